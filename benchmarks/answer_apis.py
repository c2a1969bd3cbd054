"""The APIs behind benchmarks/answers.py: eighteen shapes, deterministic data, a request log.

- weather: the bundled demo API (flat objects, a list of days);
- shop: search, details, orders and opening hours, with closed days, out-of-stock
  items, unknown ids (404) and statuses such as "not ready yet";
- library: nested JSON and lists (authors, editions, per-branch availability, loans);
- tickets: nested ticket categories, yes/no facilities, payment and refund states;
- tracker: an issue tracker with integer ids in the path, an enum query parameter, an
  assignee object or null, lists of labels and comments, booleans and dates;
- transit: a city's buses and trams with route numbers as strings ("42") and integer
  stop ids, time, date and enum query parameters, departures with delays (one
  cancelled), service alerts by severity, fares nested by zones and concessions,
  station facilities (an elevator out of service) and lost property (404 unknown);
- parcels: a parcel carrier's tracking with tracking numbers as text codes, nested
  addresses, a delivery window or null, scan history, a customs hold with charges,
  delivery options (an unavailable date), pickup points by place and type with hours per
  weekday (closed days, a one-off closure) and rates nested by zone and weight band;
- clinic: a medical practice's patient API with integer doctor ids and lab request
  numbers, booking codes as text, a specialty enum, free slots with an optional date
  (fully booked days, leave, illness), opening hours with null for closed days, lab
  results (ready, pending, needs a follow-up call), insurance plans accepted or not and
  vaccines with walk-in hours and an age limit;
- hotel: a hotel's guest API with integer room type ids and confirmation codes as text,
  a view enum, room types with nested amenities, availability over a date range (nights
  sold out or under renovation, with the reason), bookings (confirmed, cancelled with a
  fee, a deposit pending), facility hours with an enum in the path (a weekday closed, a
  one-off closure), house policies (no pets, parking) and an airport shuttle that does
  not run on Sundays;
- energy: an electricity supplier's customer API with account numbers as text and
  integer invoice numbers, monthly meter readings (a month missing, an estimate),
  invoices with lines, VAT and partial payments (one overdue), power cuts by UK postcode
  (planned, ongoing, resolved) and tariffs nested by plan and time band;
- gym: a fitness club's member API with integer trainer ids and member numbers and booking
  references as text, class type and club enums, a timetable by date with capacity, spots
  left and a waitlist (one class cancelled, one full), memberships (active with a plan that
  leaves out clubs, classes and the pool; frozen until a date; expired), class bookings
  (booked, waitlisted with a position, cancelled by the club), club hours per weekday (a club
  closed on Sundays, holiday closures) and plans with nested prices and what they include;
- carrental: a car rental company's API with integer station ids, confirmation numbers as
  text and category, fuel and topic enums, stations by city (one open 24 hours, some closed
  on Sundays), categories with nested features (electric range), availability per station
  over a date range (a category sold out on some days), reservations (cancelled, a young
  driver fee, a pickup time outside opening hours), extras (one not offered at a station)
  and policies (fuel, mileage, cross-border countries, deposit);
- airline: an airline's passenger API with flight numbers ("RV312", also "rv 0312") and
  6-character record locators as text and integer lounge ids, fare class, route type and
  lounge area enums, flight status by number and date (delayed, cancelled with rebooking, a
  gate change, departed, landed), a flight search between airports with fares per class and
  seats left (a flight sold out), free seats per cabin by window/aisle/middle, bookings (a
  cancelled flight replaced by another, a cancelled booking), the online check-in window,
  baggage allowances nested by fare class and route type (pets not allowed on long-haul
  flights) and lounges with hours per weekday (closed on Saturdays, closed for renovation);
- waste: a city's waste-collection API with integer street and drop-off center ids and
  report and booking references as text, a material enum, a street search by name and
  house number (long streets split between routes, a private road the city does not
  serve), collection calendars per street with alternating recycling weeks and holiday
  shifts (Thanksgiving), what goes in which cart (conditions, items no cart accepts),
  drop-off centers (a weekday closed, a one-off closure, a seasonal site), missed-collection
  reports (no return trip), bulky item pickups (cancelled for an unpaid fee) and fees;
- restaurant: a restaurant group's API with integer location ids, confirmation codes and
  gift card numbers as text, course, diet and allergen enums, opening hours per weekday (a
  weekday closed, Christmas Eve hours, holiday closures), menus by course with prices,
  allergens and dietary flags (dishes sold out today), table availability by date and party
  size (fully booked times, a party above the online maximum rejected with a 422),
  reservations (confirmed, cancelled by the restaurant, waitlisted), delivery by UK postcode
  (a district not served) and gift card balances (one expired);
- university: a university's student API with course codes as text ("CS 2110", also
  "cs2110") and student ids, program, residency and event type enums, a course search,
  course details with prerequisites and sections (instructor, days, times, room, seats; one
  section full, one course with a closed waitlist), final exams (one moved to another room,
  one course with no final exam), the academic calendar (add/drop deadline passed, reading
  week, holidays), library study rooms by date (rooms with hourly slots), tuition nested by
  program and residency, and enrollment (an unpaid balance hold that blocks registration);
- cinema: a cinema chain's API with cinema ids as an enum of slugs ("box-hill"), integer
  film and session ids, booking codes and loyalty card numbers as text, feature, genre and
  format enums, cinemas with hours per weekday (a cinema closed on Mondays and Tuesdays), a
  film search (one film coming soon) and film details (runtime, classification and what it
  means), session times per day with prices by ticket type (a session sold out, one
  cancelled), seat maps with wheelchair spaces (both booked), bookings (confirmed, refunded,
  an unknown code), loyalty points short of a reward and candy bar prices per cinema (one
  cinema not licensed);
- vet: a veterinary practice's API with integer patient ids, lab order and Rx numbers and
  appointment codes as text, species, appointment type and price category enums, a patient
  search (two pets with the same name), patient records (a microchip or null, vaccinations
  up to date, due soon or overdue), prescriptions (no refills left, refills left, expired),
  lab results (pending, ready with a high value), free appointment times by day and type (a
  vet away sick, a short Saturday), appointments (confirmed with fasting instructions,
  cancelled by the clinic), opening hours (closed on Sundays, an emergency-only holiday)
  and a price list.

Each app is served on a free 127.0.0.1 port by the benchmark; every request it
receives is appended to a log so the benchmark reads the operations from the API
itself, not from the model's claims.
"""

from __future__ import annotations

import datetime
import re
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, Literal

from fastapi import FastAPI, HTTPException, Path, Query
from starlette.types import ASGIApp, Receive, Scope, Send


class RequestLog:
    """An ASGI wrapper that records ``(method, path)`` (and the query) of every request."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.requests: list[tuple[str, str]] = []
        self.queries: list[str] = []

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            self.requests.append((scope["method"], scope["path"]))
            self.queries.append(scope.get("query_string", b"").decode("latin-1"))
        await self.app(scope, receive, send)


# ---------------------------------------------------------------------------- shop

PRODUCTS: dict[str, dict[str, Any]] = {
    "P-101": {
        "title": "Blue Kettle",
        "price_eur": 24.9,
        "stock": 12,
        "colors": ["blue"],
        "description": "1.7 l electric kettle with a blue enamel finish.",
    },
    "P-102": {
        "title": "Steel Kettle",
        "price_eur": 39.5,
        "stock": 3,
        "colors": ["silver"],
        "description": "Stovetop kettle in brushed stainless steel, 2 l.",
    },
    "P-204": {
        "title": "Ceramic Teapot",
        "price_eur": 18.0,
        "stock": 7,
        "colors": ["white", "sage green", "terracotta"],
        "description": "Hand-glazed 1 l teapot with a removable strainer.",
    },
    "P-205": {
        "title": "Green Tea Tin",
        "price_eur": 9.75,
        "stock": 40,
        "colors": ["green"],
        "description": "100 g of sencha in an airtight tin.",
    },
    "P-310": {
        "title": "Garden Hose",
        "price_eur": 29.0,
        "stock": 0,
        "colors": ["green"],
        "description": "25 m reinforced garden hose.",
    },
    "P-311": {
        "title": "Watering Can",
        "price_eur": 14.5,
        "stock": 5,
        "colors": ["grey"],
        "description": "10 l galvanized watering can.",
    },
}
ORDERS: dict[str, dict[str, Any]] = {
    "A-1001": {
        "status": "not ready yet",
        "items": ["Ceramic Teapot"],
        "ready_from": "2026-12-03",
    },
    "A-1002": {"status": "ready for pickup", "items": ["Blue Kettle"], "pickup_store": "Lyon"},
    "A-1003": {
        "status": "shipped",
        "items": ["Garden Hose", "Watering Can"],
        "tracking_number": "TRK-55821",
    },
}
WEEK = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
STORES: dict[str, dict[str, tuple[str, str] | None]] = {
    "Lyon": {
        **dict.fromkeys(WEEK[:5], ("09:00", "19:00")),
        "Saturday": ("10:00", "17:00"),
        "Sunday": None,
    },
    "Nantes": {
        "Monday": None,
        **dict.fromkeys(WEEK[1:6], ("09:30", "18:30")),
        "Sunday": ("10:00", "13:00"),
    },
    "Lille": {**dict.fromkeys(WEEK[:6], ("08:30", "20:00")), "Sunday": None},
}


def _summary(product_id: str) -> dict[str, Any]:
    p = PRODUCTS[product_id]
    return {
        "id": product_id,
        "title": p["title"],
        "price_eur": p["price_eur"],
        "in_stock": p["stock"] > 0,
    }


def create_shop_app(server_url: str) -> FastAPI:
    app = FastAPI(
        title="Corner Shop API",
        version="1.0.0",
        description="Products, orders and opening hours of a small chain of home-goods shops.",
        servers=[{"url": server_url}],
    )

    @app.get(
        "/products/search",
        operation_id="searchProducts",
        summary="Search products by name or keyword",
        description="Products whose title or description matches the words. Returns id, "
        "title, price and whether it is in stock.",
    )
    def search(
        q: str = Query(description="Words to look for, e.g. kettle or teapot."),
    ) -> dict[str, Any]:
        words = [w for w in q.lower().replace("'", " ").split() if len(w) > 2]
        stems = [w.rstrip("s") for w in words]

        def text(pid: str) -> str:
            return (PRODUCTS[pid]["title"] + " " + PRODUCTS[pid]["description"]).lower()

        hits = [pid for pid in PRODUCTS if stems and all(s in text(pid) for s in stems)]
        if not hits:
            hits = [pid for pid in PRODUCTS if any(s in text(pid) for s in stems)]
        return {"query": q, "count": len(hits), "results": [_summary(pid) for pid in hits]}

    @app.get(
        "/products/{product_id}",
        operation_id="getProduct",
        summary="Details of one product by its id",
        description="Price, stock count, colors and description of a product, by id "
        "(like P-101). Find ids with searchProducts.",
    )
    def product(
        product_id: str = Path(description="Product id, e.g. P-101."),
    ) -> dict[str, Any]:
        p = PRODUCTS.get(product_id.strip().upper())
        if p is None:
            raise HTTPException(404, f"No product with id {product_id}.")
        return {
            "id": product_id.upper(),
            **p,
            "availability": "in stock" if p["stock"] else "out of stock",
        }

    @app.get(
        "/orders/{order_id}",
        operation_id="getOrder",
        summary="Status of an order",
        description="Status, items and pickup or tracking details of an order by its number "
        "(like A-1001).",
    )
    def order(order_id: str = Path(description="Order number, e.g. A-1001.")) -> dict[str, Any]:
        o = ORDERS.get(order_id.strip().upper())
        if o is None:
            raise HTTPException(404, f"No order with number {order_id}.")
        return {"order": order_id.upper(), **o}

    @app.get(
        "/stores/{city}/hours",
        operation_id="getOpeningHours",
        summary="Opening hours of the store in a city",
        description="For each day of the week: closed, or the opening and closing times.",
    )
    def hours(city: str = Path(description="City of the store, e.g. Lyon.")) -> dict[str, Any]:
        name = next((c for c in STORES if c.lower() == city.strip().lower()), None)
        if name is None:
            raise HTTPException(404, f"No store in {city}. Stores: {', '.join(STORES)}.")
        days = []
        for day, times in STORES[name].items():
            if times is None:
                days.append({"day": day, "closed": True})
            else:
                days.append({"day": day, "closed": False, "opens": times[0], "closes": times[1]})
        return {"store": name, "week": days}

    @app.get(
        "/stores",
        operation_id="listStores",
        summary="List the cities that have a store",
        description="Every store of the chain, by city.",
    )
    def stores() -> dict[str, Any]:
        return {"stores": [{"city": c} for c in STORES]}

    return app


# ---------------------------------------------------------------------------- library

BOOKS: dict[str, dict[str, Any]] = {
    "9780441013593": {
        "title": "Dune",
        "authors": [{"name": "Frank Herbert", "born": 1920}],
        "subjects": ["science fiction", "ecology", "politics"],
        "editions": [
            {"year": 1965, "publisher": "Chilton Books", "pages": 412},
            {"year": 2005, "publisher": "Ace", "pages": 528},
        ],
        "branches": [
            {"branch": "Central", "available": 0, "on_loan": 2, "due_back": ["2026-12-02"]},
            {"branch": "Harbour", "available": 0, "on_loan": 1, "due_back": ["2026-12-09"]},
        ],
    },
    "9780441478125": {
        "title": "The Left Hand of Darkness",
        "authors": [{"name": "Ursula K. Le Guin", "born": 1929}],
        "subjects": ["science fiction", "gender", "anthropology"],
        "editions": [{"year": 1969, "publisher": "Ace", "pages": 286}],
        "branches": [
            {"branch": "Central", "available": 0, "on_loan": 1, "due_back": ["2026-12-05"]},
            {"branch": "Harbour", "available": 2, "on_loan": 0, "due_back": []},
        ],
    },
    "9780547773742": {
        "title": "A Wizard of Earthsea",
        "authors": [{"name": "Ursula K. Le Guin", "born": 1929}],
        "subjects": ["fantasy", "magic"],
        "editions": [{"year": 1968, "publisher": "Parnassus Press", "pages": 205}],
        "branches": [
            {"branch": "Central", "available": 1, "on_loan": 0, "due_back": []},
        ],
    },
    "9780062316097": {
        "title": "Sapiens: A Brief History of Humankind",
        "authors": [{"name": "Yuval Noah Harari", "born": 1976}],
        "subjects": ["history", "anthropology"],
        "editions": [{"year": 2014, "publisher": "Harper", "pages": 443}],
        "branches": [
            {"branch": "Central", "available": 3, "on_loan": 1, "due_back": ["2026-12-01"]},
        ],
    },
}
BRANCHES = [
    {
        "name": "Central",
        "address": {"street": "12 Market Street", "postcode": "40210", "city": "Riverton"},
        "opening": {"monday_to_friday": "09:00-20:00", "saturday": "10:00-16:00", "sunday": None},
    },
    {
        "name": "Harbour",
        "address": {"street": "3 Quay Road", "postcode": "40250", "city": "Riverton"},
        "opening": {
            "monday_to_friday": "12:00-19:00",
            "saturday": "10:00-14:00",
            "sunday": "11:00-15:00",
        },
    },
]
MEMBERS: dict[str, dict[str, Any]] = {
    "M-17": {
        "name": "Alex Moreau",
        "loans": [
            {
                "isbn": "9780062316097",
                "title": "Sapiens: A Brief History of Humankind",
                "due": "2026-12-01",
                "overdue": False,
            },
            {
                "isbn": "9780441013593",
                "title": "Dune",
                "due": "2026-11-20",
                "overdue": True,
                "fine_eur": 1.5,
            },
        ],
    },
}
EVENTS: dict[int, list[dict[str, Any]]] = {
    12: [
        {
            "title": "Winter Story Hour",
            "date": "2026-12-06",
            "branch": "Harbour",
            "audience": {"ages": "4-8", "max_people": 20},
        },
        {
            "title": "Meet the Author: Lina Park",
            "date": "2026-12-14",
            "branch": "Central",
            "audience": {"ages": "adults", "max_people": 60},
        },
    ],
}


def _book_summary(isbn: str) -> dict[str, Any]:
    b = BOOKS[isbn]
    return {
        "isbn": isbn,
        "title": b["title"],
        "authors": [{"name": a["name"]} for a in b["authors"]],
        "first_published": b["editions"][0]["year"],
        "copies": {
            "available": sum(x["available"] for x in b["branches"]),
            "on_loan": sum(x["on_loan"] for x in b["branches"]),
        },
    }


def create_library_app(server_url: str) -> FastAPI:
    app = FastAPI(
        title="City Library API",
        version="1.0.0",
        description="Catalogue, branches, member loans and events of the Riverton city library.",
        servers=[{"url": server_url}],
    )

    @app.get(
        "/books/search",
        operation_id="searchBooks",
        summary="Search the catalogue by title, author or subject",
        description="Matching books with ISBN, authors, first publication year and how many "
        "copies are available in total.",
    )
    def search(q: str = Query(description="Title, author or subject words.")) -> dict[str, Any]:
        words = [w for w in q.lower().replace("'", " ").split() if len(w) > 2]
        hits = []
        for isbn, b in BOOKS.items():
            text = " ".join(
                [b["title"], *(a["name"] for a in b["authors"]), *b["subjects"]]
            ).lower()
            if words and all(w in text for w in words):
                hits.append(isbn)
        return {"total": len(hits), "items": [_book_summary(i) for i in hits]}

    @app.get(
        "/books/{isbn}",
        operation_id="getBook",
        summary="Full record of one book by ISBN",
        description="Authors, subjects, editions (year, publisher, pages) and availability "
        "per branch with due dates. Find ISBNs with searchBooks.",
    )
    def book(isbn: str = Path(description="13-digit ISBN.")) -> dict[str, Any]:
        b = BOOKS.get(isbn.replace("-", "").strip())
        if b is None:
            raise HTTPException(404, f"No book with ISBN {isbn} in the catalogue.")
        return {
            "isbn": isbn,
            "title": b["title"],
            "authors": b["authors"],
            "subjects": b["subjects"],
            "editions": b["editions"],
            "availability": {"branches": b["branches"]},
        }

    @app.get(
        "/branches",
        operation_id="listBranches",
        summary="Library branches with address and opening hours",
        description="Every branch: address and opening hours (a null day means closed).",
    )
    def branches() -> dict[str, Any]:
        return {"branches": BRANCHES}

    @app.get(
        "/members/{member_id}/loans",
        operation_id="getMemberLoans",
        summary="Books a member has on loan",
        description="Current loans of a member with due dates, overdue flags and fines.",
    )
    def loans(member_id: str = Path(description="Member id, e.g. M-17.")) -> dict[str, Any]:
        m = MEMBERS.get(member_id.strip().upper())
        if m is None:
            raise HTTPException(404, f"No member with id {member_id}.")
        return {"member": {"id": member_id.upper(), "name": m["name"]}, "loans": m["loans"]}

    @app.get(
        "/events",
        operation_id="listEvents",
        summary="Library events in a month",
        description="Talks, readings and story hours in a month of 2026-2027.",
    )
    def events(
        month: int = Query(ge=1, le=12, description="Month number, 1-12."),
    ) -> dict[str, Any]:
        return {"month": month, "events": EVENTS.get(month, [])}

    return app


# ---------------------------------------------------------------------------- tickets
# A held-out fourth shape, written before any tuning on it: events with nested ticket
# categories, venues with yes/no facilities, bookings with payment and refund states,
# and a listing by month given as "YYYY-MM".

EVENTS_ON_SALE: dict[str, dict[str, Any]] = {
    "E-301": {
        "title": "Jazz on the River",
        "category": "concert",
        "date": "2026-12-12",
        "venue": "Dock Hall",
        "status": "on sale",
        "min_age": None,
        "tickets": [
            {"category": "standard", "price_eur": 35.0, "seats_left": 40},
            {"category": "VIP", "price_eur": 80.0, "seats_left": 0},
        ],
    },
    "E-302": {
        "title": "The Nutcracker",
        "category": "ballet",
        "date": "2026-12-20",
        "venue": "Grand Theatre",
        "status": "sold out",
        "min_age": None,
        "tickets": [
            {"category": "stalls", "price_eur": 65.0, "seats_left": 0},
            {"category": "balcony", "price_eur": 42.0, "seats_left": 0},
        ],
    },
    "E-303": {
        "title": "Indie Night: The Lanterns",
        "category": "concert",
        "date": "2027-01-16",
        "venue": "Dock Hall",
        "status": "cancelled",
        "min_age": 18,
        "tickets": [{"category": "standing", "price_eur": 22.0, "seats_left": 0}],
    },
    "E-304": {
        "title": "Riverton Chess Open",
        "category": "tournament",
        "date": "2027-02-06",
        "venue": "Town Hall",
        "status": "on sale",
        "min_age": None,
        "tickets": [{"category": "entry", "price_eur": 0.0, "seats_left": 64}],
    },
    "E-305": {
        "title": "Stand-up Comedy: Mira Khan",
        "category": "comedy",
        "date": "2026-12-05",
        "venue": "Grand Theatre",
        "status": "on sale",
        "min_age": 16,
        "tickets": [{"category": "seated", "price_eur": 22.0, "seats_left": 12}],
    },
}
VENUES = [
    {
        "name": "Dock Hall",
        "address": "4 Harbour Street",
        "capacity": 400,
        "facilities": {"wheelchair_access": True, "parking": False, "cloakroom": True},
    },
    {
        "name": "Grand Theatre",
        "address": "1 Opera Square",
        "capacity": 900,
        "facilities": {"wheelchair_access": True, "parking": True, "cloakroom": True},
    },
    {
        "name": "Town Hall",
        "address": "2 Main Square",
        "capacity": 150,
        "facilities": {"wheelchair_access": False, "parking": True, "cloakroom": False},
    },
]
BOOKINGS: dict[str, dict[str, Any]] = {
    "BK-5521": {
        "event": "E-301",
        "status": "confirmed",
        "tickets": [{"category": "standard", "quantity": 2}],
        "total_eur": 70.0,
        "paid": True,
    },
    "BK-5522": {
        "event": "E-305",
        "status": "awaiting payment",
        "tickets": [{"category": "seated", "quantity": 1}],
        "total_eur": 22.0,
        "paid": False,
        "pay_by": "2026-12-01",
    },
    "BK-5523": {
        "event": "E-303",
        "status": "cancelled by the organiser",
        "tickets": [{"category": "standing", "quantity": 2}],
        "total_eur": 44.0,
        "paid": True,
        "refund": {"refunded": True, "amount_eur": 44.0, "date": "2026-11-18"},
    },
}


def _event_summary(event_id: str) -> dict[str, Any]:
    e = EVENTS_ON_SALE[event_id]
    return {
        "id": event_id,
        "title": e["title"],
        "date": e["date"],
        "venue": e["venue"],
        "status": e["status"],
    }


def create_tickets_app(server_url: str) -> FastAPI:
    app = FastAPI(
        title="Riverton Tickets API",
        version="1.0.0",
        description="Events, venues and bookings of the Riverton ticket office.",
        servers=[{"url": server_url}],
    )

    @app.get(
        "/events/search",
        operation_id="searchEvents",
        summary="Search events by title, performer, venue or kind",
        description="Matching events with id, title, date, venue and status "
        "(on sale, sold out or cancelled).",
    )
    def search(q: str = Query(description="Words to look for, e.g. jazz.")) -> dict[str, Any]:
        words = [w.rstrip("s") for w in q.lower().replace("'", " ").split() if len(w) > 3]

        def text(eid: str) -> str:
            e = EVENTS_ON_SALE[eid]
            return " ".join([e["title"], e["category"], e["venue"]]).lower()

        hits = [eid for eid in EVENTS_ON_SALE if words and all(w in text(eid) for w in words)]
        if not hits:
            hits = [eid for eid in EVENTS_ON_SALE if any(w in text(eid) for w in words)]
        return {"matches": [_event_summary(eid) for eid in hits]}

    @app.get(
        "/events/{event_id}",
        operation_id="getEvent",
        summary="Details of one event by its id",
        description="Ticket categories with prices and seats left, minimum age and status, "
        "by event id (like E-301). Find ids with searchEvents.",
    )
    def event(event_id: str = Path(description="Event id, e.g. E-301.")) -> dict[str, Any]:
        e = EVENTS_ON_SALE.get(event_id.strip().upper())
        if e is None:
            raise HTTPException(404, f"No event with id {event_id}.")
        return {"id": event_id.upper(), **e}

    @app.get(
        "/events",
        operation_id="listEvents",
        summary="Events in a month",
        description="Every event in one month, with its status.",
    )
    def events(
        month: str = Query(description="Year and month as YYYY-MM, e.g. 2026-12."),
    ) -> dict[str, Any]:
        hits = [eid for eid, e in EVENTS_ON_SALE.items() if e["date"].startswith(month.strip())]
        return {"month": month, "events": [_event_summary(eid) for eid in hits]}

    @app.get(
        "/venues",
        operation_id="listVenues",
        summary="Venues with address, capacity and facilities",
        description="Every venue: address, capacity and which facilities it has "
        "(wheelchair access, parking, cloakroom).",
    )
    def venues() -> dict[str, Any]:
        return {"venues": VENUES}

    @app.get(
        "/bookings/{reference}",
        operation_id="getBooking",
        summary="A booking by its reference",
        description="Status, tickets, total, payment and refund of a booking (like BK-5521).",
    )
    def booking(reference: str = Path(description="Booking reference, e.g. BK-5521.")) -> Any:
        b = BOOKINGS.get(reference.strip().upper())
        if b is None:
            raise HTTPException(404, f"No booking with reference {reference}.")
        return {"reference": reference.upper(), **b}

    return app


# ---------------------------------------------------------------------------- tracker
# A held-out fifth shape, written before any measurement on it: a software team's issue
# tracker with integer issue ids in the path, an enum query parameter, nested objects
# (an assignee object or null), lists of labels and comments, booleans and dates.

USERS: dict[str, dict[str, Any]] = {
    "mlopez": {
        "name": "Maria Lopez",
        "role": "Frontend engineer",
        "team": "Frontend",
        "email": "maria.lopez@trackly.dev",
        "timezone": "Europe/Madrid",
        "on_vacation": False,
        "back_on": None,
    },
    "dchen": {
        "name": "David Chen",
        "role": "Backend engineer",
        "team": "Backend",
        "email": "david.chen@trackly.dev",
        "timezone": "Europe/Berlin",
        "on_vacation": True,
        "back_on": "2026-12-08",
    },
    "akowalski": {
        "name": "Anna Kowalski",
        "role": "QA engineer",
        "team": "Quality",
        "email": "anna.kowalski@trackly.dev",
        "timezone": "Europe/Warsaw",
        "on_vacation": False,
        "back_on": None,
    },
    "sobi": {
        "name": "Samuel Obi",
        "role": "Mobile engineer",
        "team": "Mobile",
        "email": "samuel.obi@trackly.dev",
        "timezone": "Africa/Lagos",
        "on_vacation": False,
        "back_on": None,
    },
    "pnair": {
        "name": "Priya Nair",
        "role": "Engineering manager",
        "team": "Engineering management",
        "email": "priya.nair@trackly.dev",
        "timezone": "Asia/Kolkata",
        "on_vacation": False,
        "back_on": None,
    },
}
PROJECTS: dict[str, dict[str, Any]] = {
    "WEB": {
        "name": "Web App",
        "description": "The customer-facing web application.",
        "lead": "mlopez",
        "repository": "trackly/web",
    },
    "MOB": {
        "name": "Mobile App",
        "description": "The iOS and Android apps.",
        "lead": "sobi",
        "repository": "trackly/mobile",
    },
    "PAY": {
        "name": "Payments Service",
        "description": "Billing, refunds and invoices.",
        "lead": "pnair",
        "repository": "trackly/payments",
    },
}
ISSUES: dict[int, dict[str, Any]] = {
    101: {
        "project": "WEB",
        "title": "Login button does nothing on Safari",
        "type": "bug",
        "priority": "high",
        "status": "open",
        "assignee": "mlopez",
        "reporter": "akowalski",
        "labels": ["bug", "login", "safari"],
        "milestone": "2.5.0",
        "blocked": False,
        "created_at": "2026-11-03",
        "updated_at": "2026-11-25",
        "closed_at": None,
        "resolution": None,
    },
    102: {
        "project": "WEB",
        "title": "Dark mode for the settings page",
        "type": "feature",
        "priority": "low",
        "status": "open",
        "assignee": None,
        "reporter": "akowalski",
        "labels": ["feature", "ui"],
        "milestone": None,
        "blocked": False,
        "created_at": "2026-10-14",
        "updated_at": "2026-10-20",
        "closed_at": None,
        "resolution": None,
    },
    103: {
        "project": "WEB",
        "title": "Export reports as CSV",
        "type": "feature",
        "priority": "medium",
        "status": "closed",
        "assignee": "mlopez",
        "reporter": "pnair",
        "labels": ["feature", "reports"],
        "milestone": "2.4.0",
        "blocked": False,
        "created_at": "2026-09-22",
        "updated_at": "2026-11-19",
        "closed_at": "2026-11-19",
        "resolution": "fixed",
    },
    104: {
        "project": "PAY",
        "title": "Refunds fail for amounts over 1,000 EUR",
        "type": "bug",
        "priority": "critical",
        "status": "open",
        "assignee": "dchen",
        "reporter": "akowalski",
        "labels": ["bug", "refunds"],
        "milestone": "1.10.0",
        "blocked": False,
        "created_at": "2026-11-10",
        "updated_at": "2026-11-24",
        "closed_at": None,
        "resolution": None,
    },
    105: {
        "project": "PAY",
        "title": "Add Apple Pay support",
        "type": "feature",
        "priority": "medium",
        "status": "closed",
        "assignee": "pnair",
        "reporter": "mlopez",
        "labels": ["feature", "wallets"],
        "milestone": None,
        "blocked": False,
        "created_at": "2026-08-30",
        "updated_at": "2026-10-30",
        "closed_at": "2026-10-30",
        "resolution": "won't fix",
    },
    106: {
        "project": "MOB",
        "title": "App crashes when rotating the camera screen",
        "type": "bug",
        "priority": "high",
        "status": "open",
        "assignee": "sobi",
        "reporter": "akowalski",
        "labels": ["bug", "crash", "android"],
        "milestone": "6.0.0",
        "blocked": False,
        "created_at": "2026-11-21",
        "updated_at": "2026-11-21",
        "closed_at": None,
        "resolution": None,
    },
    107: {
        "project": "MOB",
        "title": "Push notifications arrive twice",
        "type": "bug",
        "priority": "medium",
        "status": "open",
        "assignee": "sobi",
        "reporter": "pnair",
        "labels": ["bug", "notifications"],
        "milestone": "6.0.0",
        "blocked": False,
        "created_at": "2026-11-15",
        "updated_at": "2026-11-20",
        "closed_at": None,
        "resolution": None,
    },
    108: {
        "project": "WEB",
        "title": "Upgrade the build to Node 22",
        "type": "task",
        "priority": "low",
        "status": "closed",
        "assignee": "mlopez",
        "reporter": "mlopez",
        "labels": ["chore", "ci"],
        "milestone": "2.4.0",
        "blocked": False,
        "created_at": "2026-10-01",
        "updated_at": "2026-11-05",
        "closed_at": "2026-11-05",
        "resolution": "fixed",
    },
    109: {
        "project": "PAY",
        "title": "Invoice PDF shows the wrong VAT rate",
        "type": "bug",
        "priority": "high",
        "status": "open",
        "assignee": "dchen",
        "reporter": "pnair",
        "labels": ["bug", "invoices"],
        "milestone": "1.10.0",
        "blocked": False,
        "created_at": "2026-11-11",
        "updated_at": "2026-11-12",
        "closed_at": None,
        "resolution": None,
    },
    110: {
        "project": "MOB",
        "title": "Offline mode for saved lists",
        "type": "feature",
        "priority": "medium",
        "status": "open",
        "assignee": "sobi",
        "reporter": "pnair",
        "labels": ["feature", "offline"],
        "milestone": "6.0.0",
        "blocked": True,
        "created_at": "2026-10-02",
        "updated_at": "2026-11-08",
        "closed_at": None,
        "resolution": None,
    },
}
COMMENTS: dict[int, list[dict[str, str]]] = {
    101: [
        {
            "author": "akowalski",
            "date": "2026-11-03",
            "body": "Reproduced on Safari 18 on macOS; Chrome and Firefox are fine.",
        },
        {
            "author": "mlopez",
            "date": "2026-11-25",
            "body": "The cookie banner overlay swallows the click. Fix coming in 2.5.0.",
        },
    ],
    102: [
        {
            "author": "pnair",
            "date": "2026-10-20",
            "body": "Nice to have, but not planned for this quarter.",
        },
    ],
    103: [{"author": "mlopez", "date": "2026-11-19", "body": "Shipped in 2.4.0."}],
    104: [
        {
            "author": "akowalski",
            "date": "2026-11-12",
            "body": "Reproduced on staging with a 1,250 EUR refund: the API answers 500.",
        },
        {
            "author": "pnair",
            "date": "2026-11-18",
            "body": "Customers are affected, raising the priority to critical.",
        },
        {
            "author": "dchen",
            "date": "2026-11-24",
            "body": "Root cause found: refunds were checked against the daily card limit. "
            "The fix is in pull request #482, waiting for review.",
        },
    ],
    105: [
        {
            "author": "pnair",
            "date": "2026-10-30",
            "body": "Closing: our payment provider contract does not cover Apple Pay.",
        },
    ],
    106: [],
    107: [
        {
            "author": "sobi",
            "date": "2026-11-16",
            "body": "Only on Android 15: the device token is registered twice after an update.",
        },
        {"author": "akowalski", "date": "2026-11-20", "body": "Still happens on build 976."},
    ],
    108: [{"author": "mlopez", "date": "2026-11-05", "body": "Done, CI runs on Node 22 now."}],
    109: [
        {
            "author": "dchen",
            "date": "2026-11-12",
            "body": "We still bill 16 % instead of 19 %: the old rate is in the tax table.",
        },
    ],
    110: [
        {
            "author": "sobi",
            "date": "2026-11-08",
            "body": "Blocked until the sync API supports partial updates.",
        },
    ],
}
RELEASES: dict[str, list[dict[str, Any]]] = {
    "WEB": [
        {
            "version": "2.4.0",
            "status": "released",
            "released_on": "2026-11-20",
            "target_date": "2026-11-20",
            "notes": "CSV export of reports; builds on Node 22.",
        },
        {
            "version": "2.5.0",
            "status": "planned",
            "released_on": None,
            "target_date": "2026-12-15",
            "notes": "Safari login fix.",
        },
    ],
    "MOB": [
        {
            "version": "5.2.0",
            "status": "released",
            "released_on": "2026-10-28",
            "target_date": "2026-10-28",
            "notes": "Saved lists.",
        },
        {
            "version": "5.3.0",
            "status": "cancelled",
            "released_on": None,
            "target_date": "2026-12-01",
            "notes": "Cancelled on 2026-11-25; its changes move to 6.0.0.",
        },
        {
            "version": "6.0.0",
            "status": "planned",
            "released_on": None,
            "target_date": "2027-01-20",
            "notes": "Offline mode, camera screen rework, notification fixes.",
        },
    ],
    "PAY": [
        {
            "version": "1.9.0",
            "status": "released",
            "released_on": "2026-11-04",
            "target_date": "2026-11-04",
            "notes": "Partial refunds.",
        },
        {
            "version": "1.10.0",
            "status": "planned",
            "released_on": None,
            "target_date": "2026-12-03",
            "notes": "Refund limit fix, VAT table update.",
        },
    ],
}
BUILDS: dict[tuple[str, str], dict[str, Any]] = {
    ("WEB", "main"): {
        "number": 1842,
        "status": "failed",
        "commit": "9f3c2ab",
        "started_at": "2026-11-26T09:12:00Z",
        "finished_at": "2026-11-26T09:31:00Z",
        "tests": {"total": 412, "passed": 410, "failed": 2, "skipped": 0},
        "failed_tests": ["test_checkout_applies_discount_code", "test_login_redirect_safari"],
    },
    ("WEB", "release/2.5"): {
        "number": 1840,
        "status": "passed",
        "commit": "4b7d0e1",
        "started_at": "2026-11-25T16:02:00Z",
        "finished_at": "2026-11-25T16:20:00Z",
        "tests": {"total": 409, "passed": 409, "failed": 0, "skipped": 0},
        "failed_tests": [],
    },
    ("MOB", "main"): {
        "number": 977,
        "status": "running",
        "commit": "c81e5f0",
        "started_at": "2026-11-26T10:05:00Z",
        "finished_at": None,
        "tests": None,
        "failed_tests": [],
    },
    ("PAY", "main"): {
        "number": 3310,
        "status": "passed",
        "commit": "e02a9d4",
        "started_at": "2026-11-26T08:40:00Z",
        "finished_at": "2026-11-26T08:52:00Z",
        "tests": {"total": 1290, "passed": 1288, "failed": 0, "skipped": 2},
        "failed_tests": [],
    },
}


def _person(username: str | None) -> dict[str, str] | None:
    if username is None:
        return None
    return {"username": username, "name": USERS[username]["name"]}


def _issue_summary(issue_id: int) -> dict[str, Any]:
    i = ISSUES[issue_id]
    return {
        "id": issue_id,
        "project": i["project"],
        "title": i["title"],
        "status": i["status"],
        "priority": i["priority"],
    }


def _project_key(key: str) -> str:
    name = key.strip().upper()
    if name not in PROJECTS:
        raise HTTPException(404, f"No project with key {key}. Projects: {', '.join(PROJECTS)}.")
    return name


def create_tracker_app(server_url: str) -> FastAPI:
    app = FastAPI(
        title="Trackly API",
        version="1.0.0",
        description="Projects, issues, comments, people, releases and builds of a software "
        "team's issue tracker.",
        servers=[{"url": server_url}],
    )

    @app.get(
        "/projects",
        operation_id="listProjects",
        summary="List the projects",
        description="Every project: key (like WEB), name, description, lead and how many "
        "issues are open.",
    )
    def projects() -> dict[str, Any]:
        return {
            "projects": [
                {
                    "key": key,
                    "name": p["name"],
                    "description": p["description"],
                    "lead": _person(p["lead"]),
                    "repository": p["repository"],
                    "open_issues": sum(
                        1 for i in ISSUES.values() if i["project"] == key and i["status"] == "open"
                    ),
                }
                for key, p in PROJECTS.items()
            ]
        }

    @app.get(
        "/search/issues",
        operation_id="searchIssues",
        summary="Search issues by words in their title, labels or project",
        description="Matching issues with id, project, title, status and priority, "
        "open and closed unless status says otherwise.",
    )
    def search(
        q: str = Query("", description="Words to look for, e.g. login safari. Empty: all."),
        status: Literal["open", "closed", "all"] = Query(
            "all", description="Only open issues, only closed ones, or all."
        ),
    ) -> dict[str, Any]:
        words = [w.rstrip("s") for w in q.lower().replace("'", " ").split() if len(w) > 2]

        def text(issue_id: int) -> str:
            i = ISSUES[issue_id]
            project = PROJECTS[i["project"]]["name"]
            return " ".join([i["title"], *i["labels"], i["project"], project]).lower()

        pool = [n for n, i in ISSUES.items() if status == "all" or i["status"] == status]
        hits = [n for n in pool if all(w in text(n) for w in words)]
        if not hits:
            hits = [n for n in pool if any(w in text(n) for w in words)]
        return {
            "query": q,
            "status": status,
            "total": len(hits),
            "issues": [_issue_summary(n) for n in hits],
        }

    @app.get(
        "/issues/{issue_id}",
        operation_id="getIssue",
        summary="Details of one issue by its number",
        description="Status, resolution, priority, assignee (null when nobody is assigned), "
        "reporter, labels, milestone, whether it is blocked, and dates, by issue number "
        "(like 101). Find numbers with searchIssues; comments with listIssueComments.",
    )
    def issue(issue_id: int = Path(description="Issue number, e.g. 101.")) -> dict[str, Any]:
        i = ISSUES.get(issue_id)
        if i is None:
            raise HTTPException(404, f"No issue #{issue_id}.")
        return {
            "id": issue_id,
            **i,
            "assignee": _person(i["assignee"]),
            "reporter": _person(i["reporter"]),
        }

    @app.get(
        "/issues/{issue_id}/comments",
        operation_id="listIssueComments",
        summary="Comments on an issue, oldest first",
        description="Every comment on an issue: author, date and text.",
    )
    def comments(issue_id: int = Path(description="Issue number, e.g. 101.")) -> dict[str, Any]:
        if issue_id not in ISSUES:
            raise HTTPException(404, f"No issue #{issue_id}.")
        return {
            "issue": issue_id,
            "total": len(COMMENTS[issue_id]),
            "comments": [
                {"author": _person(c["author"]), "date": c["date"], "body": c["body"]}
                for c in COMMENTS[issue_id]
            ],
        }

    @app.get(
        "/users/{username}",
        operation_id="getUser",
        summary="A team member by username",
        description="Name, role, team, email, time zone, whether they are on vacation (and "
        "when they are back), and the open issues assigned to them.",
    )
    def user(username: str = Path(description="Username, e.g. mlopez.")) -> dict[str, Any]:
        name = username.strip().lstrip("@").lower()
        u = USERS.get(name)
        if u is None:
            raise HTTPException(404, f"No user {username}.")
        assigned = [
            {"id": n, "title": i["title"]}
            for n, i in ISSUES.items()
            if i["assignee"] == name and i["status"] == "open"
        ]
        return {"username": name, **u, "assigned_open_issues": assigned}

    @app.get(
        "/projects/{key}/releases",
        operation_id="listReleases",
        summary="Releases of a project",
        description="Every version of a project with its status (released, planned or "
        "cancelled), release or target date and notes.",
    )
    def releases(key: str = Path(description="Project key, e.g. WEB.")) -> dict[str, Any]:
        name = _project_key(key)
        return {"project": name, "releases": RELEASES[name]}

    @app.get(
        "/projects/{key}/builds/latest",
        operation_id="getLatestBuild",
        summary="The latest CI build of a project's branch",
        description="Build number, status (passed, failed or running), commit, times, test "
        "counts and the names of the failed tests.",
    )
    def latest_build(
        key: str = Path(description="Project key, e.g. WEB."),
        branch: str = Query("main", description="Branch name; main by default."),
    ) -> dict[str, Any]:
        name = _project_key(key)
        b = BUILDS.get((name, branch.strip()))
        if b is None:
            raise HTTPException(404, f"No builds of branch {branch} in project {name}.")
        return {"project": name, "branch": branch.strip(), **b}

    return app


# ---------------------------------------------------------------------------- transit
# A held-out sixth shape, written before any measurement on it: a city's buses and trams
# with route numbers as strings ("42") next to integer stop ids, time and date query
# parameters and enums, arrays of departures with delays (one cancelled), service alerts
# with a severity, fares nested by zones, ticket type and concession, station facilities
# (an elevator out of service, bike parking yes/no) and lost property by case number.
# The data is as of a fixed moment: Friday 2026-11-27, 08:10.

TRANSIT_DAY = "2026-11-27"
TRANSIT_NOW = "08:10"
STOPS: dict[int, dict[str, Any]] = {
    1001: {"name": "Central Station", "zone": 1, "lines": ["7", "12", "42", "100"]},
    1002: {"name": "Harbor Street", "zone": 1, "lines": ["12", "42"]},
    1003: {"name": "Market Square", "zone": 1, "lines": ["7", "42"]},
    1004: {"name": "University", "zone": 2, "lines": ["7", "100"]},
    1005: {"name": "Riverside Park", "zone": 2, "lines": ["7"]},
    1006: {"name": "Stadium", "zone": 2, "lines": ["7"]},
    1007: {"name": "Old Town Gate", "zone": 1, "lines": ["12"]},
    1008: {"name": "Hospital", "zone": 2, "lines": ["12", "42"]},
    1009: {"name": "Tech Park", "zone": 2, "lines": ["100"]},
    1010: {"name": "Airport", "zone": 3, "lines": ["100"]},
}
# Per line: its stops in order with the minutes from the first one, and per kind of day
# the first and last departure from the first stop and the minutes between vehicles
# (after 20:00: evening_frequency_min).
LINES: dict[str, dict[str, Any]] = {
    "7": {
        "mode": "tram",
        "name": "Stadium – Central Station",
        "stops": [(1006, 0), (1005, 4), (1004, 9), (1003, 14), (1001, 18)],
        "timetable": {
            "weekday": ("05:15", "00:20", 7, 15),
            "saturday": ("06:00", "00:20", 10, 15),
            "sunday": ("07:00", "23:30", 15, 15),
        },
    },
    "12": {
        "mode": "bus",
        "name": "Old Town Gate – Hospital",
        "stops": [(1007, 0), (1002, 6), (1001, 13), (1008, 21)],
        "timetable": {
            "weekday": ("05:30", "23:10", 15, 30),
            "saturday": ("06:15", "23:10", 20, 30),
            "sunday": ("07:45", "22:10", 30, 30),
        },
    },
    "42": {
        "mode": "bus",
        "name": "Harbor Street – Hospital",
        "stops": [(1002, 0), (1003, 5), (1001, 11), (1008, 19)],
        "timetable": {
            "weekday": ("05:40", "23:50", 10, 20),
            "saturday": ("06:30", "23:50", 15, 20),
            "sunday": ("07:30", "22:50", 20, 20),
        },
    },
    "100": {
        "mode": "express bus",
        "name": "Central Station – Airport",
        "stops": [(1001, 0), (1004, 9), (1009, 17), (1010, 28)],
        "timetable": {
            "weekday": ("04:30", "00:30", 20, 30),
            "saturday": ("04:30", "00:30", 20, 30),
            "sunday": ("05:00", "00:30", 30, 30),
        },
    },
}
# Per stop: (line, destination, platform, scheduled, delay in minutes or None: cancelled).
# Line 7 runs Stadium – University and Market Square – Central Station (see alert A-311).
DEPARTURES: dict[int, list[tuple[str, str, str, str, int | None]]] = {
    1001: [
        ("7", "Market Square", "1", "08:12", 0),
        ("42", "Hospital", "3", "08:13", 3),
        ("100", "Airport", "5", "08:15", 0),
        ("12", "Old Town Gate", "4", "08:17", 0),
        ("7", "Market Square", "1", "08:19", 0),
        ("42", "Harbor Street", "2", "08:21", 0),
        ("12", "Hospital", "4", "08:24", 0),
        ("100", "Airport", "5", "08:35", 4),
    ],
    1002: [
        ("42", "Hospital", "B", "08:12", 7),
        ("12", "Old Town Gate", "A", "08:13", 0),
        ("12", "Hospital", "C", "08:15", 0),
        ("42", "Hospital", "B", "08:22", 2),
        ("12", "Old Town Gate", "A", "08:28", 0),
        ("42", "Hospital", "B", "08:32", 0),
    ],
    1003: [
        ("7", "Central Station", "1", "08:11", 0),
        ("42", "Harbor Street", "3", "08:15", 0),
        ("42", "Hospital", "2", "08:17", 7),
        ("7", "Central Station", "1", "08:18", 0),
        ("42", "Hospital", "2", "08:27", 2),
    ],
    1004: [
        ("100", "Airport", "B", "08:13", 0),
        ("7", "Stadium", "A", "08:16", 2),
        ("100", "Central Station", "C", "08:20", 0),
        ("7", "Stadium", "A", "08:23", 0),
    ],
    1005: [
        ("7", "University", "2", "08:14", 0),
        ("7", "Stadium", "1", "08:20", 2),
        ("7", "University", "2", "08:21", 0),
    ],
    1006: [
        ("7", "University", "1", "08:17", 0),
        ("7", "University", "1", "08:24", 0),
        ("7", "University", "1", "08:31", 0),
    ],
    1007: [("12", "Hospital", "1", "08:20", 0), ("12", "Hospital", "1", "08:35", 0)],
    1008: [
        ("12", "Old Town Gate", "1", "08:14", None),
        ("42", "Harbor Street", "2", "08:16", 0),
        ("42", "Harbor Street", "2", "08:26", 0),
        ("12", "Old Town Gate", "1", "08:29", 2),
        ("42", "Harbor Street", "2", "08:36", 0),
        ("12", "Old Town Gate", "1", "08:44", 0),
    ],
    1009: [
        ("100", "Airport", "1", "08:12", 0),
        ("100", "Central Station", "2", "08:14", 0),
        ("100", "Airport", "1", "08:32", 0),
    ],
    1010: [
        ("100", "Central Station", "1", "08:15", 0),
        ("100", "Central Station", "1", "08:35", 0),
        ("100", "Central Station", "1", "08:55", 0),
    ],
}
ALERTS: list[dict[str, Any]] = [
    {
        "id": "A-298",
        "severity": "minor",
        "lines": ["100"],
        "title": "Line 100 diverted via Ring Road",
        "description": "Road works on Airport Road: the 100 skips Tech Park.",
        "active_from": "2026-11-09",
        "active_until": "2026-11-20",
    },
    {
        "id": "A-311",
        "severity": "major",
        "lines": ["7"],
        "title": "Line 7 not running between Market Square and University",
        "description": "Track works. Trams run Stadium – University and Market Square – "
        "Central Station only. Replacement buses run between Market Square and University "
        "every 10 minutes; allow 15 extra minutes.",
        "active_from": "2026-11-23",
        "active_until": "2026-11-30",
    },
    {
        "id": "A-314",
        "severity": "minor",
        "lines": ["12"],
        "title": "Old Town Gate stop moved to Castle Road",
        "description": "During the Christmas market the line 12 stop at Old Town Gate is "
        "50 m away, on Castle Road.",
        "active_from": "2026-11-20",
        "active_until": "2026-12-24",
    },
    {
        "id": "A-316",
        "severity": "info",
        "lines": ["7"],
        "title": "Extra trams after Saturday's match",
        "description": "Line 7 runs every 5 minutes from Stadium between 21:00 and 23:00 "
        "on 2026-11-28.",
        "active_from": "2026-11-26",
        "active_until": "2026-11-28",
    },
    {
        "id": "A-317",
        "severity": "info",
        "lines": ["42"],
        "title": "More buses on line 42 from 14 December",
        "description": "From 2026-12-14 the 42 runs every 8 minutes on weekday mornings.",
        "active_from": "2026-11-25",
        "active_until": "2026-12-14",
    },
]
# Prices in EUR by the number of zones travelled through, ticket type and concession.
FARES: dict[int, dict[str, dict[str, float]]] = {
    1: {
        "single": {"adult": 2.4, "child": 1.2, "senior": 1.6},
        "day_pass": {"adult": 6.8, "child": 3.4, "senior": 4.5},
        "week_pass": {"adult": 21.0, "child": 10.5, "senior": 14.0},
    },
    2: {
        "single": {"adult": 3.1, "child": 1.5, "senior": 2.1},
        "day_pass": {"adult": 8.9, "child": 4.4, "senior": 5.9},
        "week_pass": {"adult": 27.5, "child": 13.7, "senior": 18.3},
    },
    3: {
        "single": {"adult": 3.9, "child": 1.9, "senior": 2.6},
        "day_pass": {"adult": 10.8, "child": 5.4, "senior": 7.2},
        "week_pass": {"adult": 33.0, "child": 16.5, "senior": 22.0},
    },
}
CONCESSIONS = {
    "child": {"ages": "6 to 14", "note": "Children under 6 ride free."},
    "senior": {"ages": "65 and over", "note": "Carry a photo ID with the ticket."},
}


def _elevator(location: str, status: str = "working", back: str | None = None) -> Any:
    return {"location": location, "status": status, "back_in_service": back}


FACILITIES: dict[int, dict[str, Any]] = {
    1001: {
        "elevators": [
            _elevator("Street level to platforms 1-5", "out of service", "2026-12-03"),
        ],
        "escalators": [{"location": "Street level to platforms 1-5", "status": "working"}],
        "step_free_access": False,
        "accessibility_note": "The platforms are step-free only by the elevator.",
        "bike_parking": True,
        "bike_parking_spaces": 120,
        "toilets": True,
        "ticket_machines": 6,
        "ticket_office": "07:00-20:00",
    },
    1002: {"step_free_access": True, "bike_parking": True, "bike_parking_spaces": 24},
    1003: {"step_free_access": True, "bike_parking": False, "bike_parking_spaces": 0},
    1004: {
        "elevators": [_elevator("Street level to platforms A-C")],
        "step_free_access": True,
        "bike_parking": True,
        "bike_parking_spaces": 300,
        "toilets": True,
        "ticket_machines": 2,
    },
    1005: {"step_free_access": True, "bike_parking": True, "bike_parking_spaces": 40},
    1006: {
        "step_free_access": True,
        "bike_parking": True,
        "bike_parking_spaces": 200,
        "toilets": True,
        "ticket_machines": 3,
    },
    1007: {"step_free_access": True, "bike_parking": False, "bike_parking_spaces": 0},
    1008: {
        "elevators": [_elevator("Hospital entrance to platforms 1-2")],
        "step_free_access": True,
        "bike_parking": True,
        "bike_parking_spaces": 30,
        "toilets": True,
        "ticket_machines": 2,
    },
    1009: {"step_free_access": True, "bike_parking": True, "bike_parking_spaces": 60},
    1010: {
        "elevators": [
            _elevator("Arrivals to bus platform"),
            _elevator("Departures to bus platform"),
        ],
        "step_free_access": True,
        "bike_parking": True,
        "bike_parking_spaces": 20,
        "toilets": True,
        "ticket_machines": 4,
    },
}
LOST_ITEMS: dict[int, dict[str, Any]] = {
    58177: {
        "item": "blue scarf",
        "line": "100",
        "lost_on": "2026-11-19",
        "status": "returned to owner",
        "pickup": None,
    },
    58190: {
        "item": "grey backpack",
        "line": "7",
        "lost_on": "2026-11-24",
        "status": "ready for pickup",
        "pickup": {
            "where": "Lost property office, Central Station, level -1",
            "hours": "Mon-Fri 08:00-18:00, Sat 09:00-13:00",
            "until": "2026-12-04",
            "fee_eur": 3.0,
            "bring": "photo ID and the case number",
        },
    },
    58213: {
        "item": "black umbrella",
        "line": "42",
        "lost_on": "2026-11-25",
        "status": "not found yet",
        "pickup": None,
        "search_ends_on": "2026-12-09",
    },
}


def _minutes(clock: str) -> int:
    hours, minutes = clock.split(":")
    return int(hours) * 60 + int(minutes)


def _clock(minutes: int) -> str:
    return f"{minutes // 60 % 24:02d}:{minutes % 60:02d}"


def _line_name(line: str) -> str:
    """A route number as printed on the vehicle ("Line 42", "bus 42" and "42" are 42)."""
    words = line.strip().lower().replace("no.", "").split()
    name = words[-1] if words else ""
    return name.upper()


def _departure(row: tuple[str, str, str, str, int | None]) -> dict[str, Any]:
    line, destination, platform, scheduled, delay = row
    expected = None if delay is None else _clock(_minutes(scheduled) + delay)
    if delay is None:
        status = "cancelled"
    elif delay >= 2:
        status = "delayed"
    else:
        status = "on time"
    return {
        "line": line,
        "mode": LINES[line]["mode"],
        "destination": destination,
        "platform": platform,
        "scheduled": scheduled,
        "expected": expected,
        "delay_min": delay,
        "status": status,
        "departs_in_min": None if expected is None else _minutes(expected) - _minutes(TRANSIT_NOW),
    }


def _stop(stop_id: int) -> dict[str, Any]:
    if stop_id not in STOPS:
        raise HTTPException(404, f"No stop with id {stop_id}. Find stop ids with searchStops.")
    return STOPS[stop_id]


def create_transit_app(server_url: str) -> FastAPI:
    app = FastAPI(
        title="Metroline Open Data API",
        version="2.1.0",
        description="Stops, real-time departures, lines, service alerts, fares, station "
        "facilities and lost property of Metroline, the city's buses and trams.",
        servers=[{"url": server_url}],
    )

    @app.get(
        "/stops",
        operation_id="searchStops",
        summary="Find stops by name",
        description="Stops whose name matches: stop id, name, fare zone and the lines serving it.",
    )
    def stops(
        q: str = Query(description="Part of the stop name, e.g. harbor."),
    ) -> dict[str, Any]:
        words = [w for w in q.lower().replace("'", " ").split() if len(w) > 2]
        hits = [n for n, s in STOPS.items() if words and all(w in s["name"].lower() for w in words)]
        if not hits:
            hits = [n for n, s in STOPS.items() if any(w in s["name"].lower() for w in words)]
        return {"query": q, "stops": [{"stop_id": n, **STOPS[n]} for n in hits]}

    @app.get(
        "/stops/{stop_id}/departures",
        operation_id="getDepartures",
        summary="Real-time departures from a stop",
        description="The next departures from a stop, soonest first: line, destination, "
        "platform, scheduled and expected time (HH:MM), delay in minutes and status (on "
        "time, delayed or cancelled; a cancelled one has no expected time). Find stop ids "
        "with searchStops.",
    )
    def departures(
        stop_id: int = Path(description="Stop id, e.g. 1001."),
        line: str | None = Query(None, description="Only this line, e.g. 42."),
        after: str | None = Query(
            None,
            pattern=r"^\d{1,2}:\d{2}$",
            description="Only departures scheduled at or after this time, HH:MM (24-hour). "
            "Default: now.",
        ),
        limit: int = Query(6, ge=1, le=20, description="How many departures, 1 to 20."),
    ) -> dict[str, Any]:
        stop = _stop(stop_id)
        start = _minutes(after or TRANSIT_NOW)
        rows = sorted(DEPARTURES[stop_id], key=lambda r: r[3])
        rows = [r for r in rows if _minutes(r[3]) >= start]
        if line:
            rows = [r for r in rows if r[0] == _line_name(line)]
        return {
            "stop_id": stop_id,
            "stop": stop["name"],
            "as_of": f"{TRANSIT_DAY}T{TRANSIT_NOW}:00+01:00",
            "departures": [_departure(r) for r in rows[:limit]],
        }

    @app.get(
        "/lines/{line}",
        operation_id="getLine",
        summary="A line's route and timetable",
        description="The stops of a line in order with the minutes from the first stop, its "
        "first and last departure from the first stop and how often it runs (minutes "
        "between vehicles; after 20:00 the evening frequency), for one kind of day.",
    )
    def line_info(
        line: str = Path(description="Line number as shown on the vehicle, e.g. 42 or 7."),
        day: Literal["weekday", "saturday", "sunday"] = Query(
            "weekday",
            description="Timetable for weekdays (Monday to Friday), Saturdays "
            "or Sundays and holidays.",
        ),
    ) -> dict[str, Any]:
        name = _line_name(line)
        info = LINES.get(name)
        if info is None:
            raise HTTPException(404, f"No line {line}. Lines: {', '.join(LINES)}.")
        first, last, frequency, evening = info["timetable"][day]
        return {
            "line": name,
            "mode": info["mode"],
            "name": info["name"],
            "day": day,
            "stops": [
                {"stop_id": n, "name": STOPS[n]["name"], "minutes_from_start": m}
                for n, m in info["stops"]
            ],
            "first_departure": first,
            "last_departure": last,
            "frequency_min": frequency,
            "evening_frequency_min": evening,
        }

    @app.get(
        "/alerts",
        operation_id="listAlerts",
        summary="Service alerts",
        description="Disruptions, diversions and other notices in force on a day, with "
        "severity (info, minor or major), the lines affected and the dates.",
    )
    def alerts(
        line: str | None = Query(None, description="Only alerts for this line, e.g. 42."),
        severity: Literal["info", "minor", "major"] | None = Query(
            None, description="Only alerts of this severity."
        ),
        date: str | None = Query(
            None,
            pattern=r"^\d{4}-\d{2}-\d{2}$",
            description="Day as YYYY-MM-DD. Default: today.",
        ),
    ) -> dict[str, Any]:
        day = date or TRANSIT_DAY
        hits = [
            a
            for a in ALERTS
            if a["active_from"] <= day <= a["active_until"]
            and (not line or _line_name(line) in a["lines"])
            and (severity is None or a["severity"] == severity)
        ]
        return {"date": day, "total": len(hits), "alerts": hits}

    @app.get(
        "/fares",
        operation_id="getFares",
        summary="Ticket prices",
        description="Prices in EUR of single tickets, day passes and week passes for adults, "
        "children and seniors, by the number of fare zones travelled through (1 to 3; the "
        "city centre is zone 1, the airport zone 3), and who counts as child or senior.",
    )
    def fares(
        zones: int | None = Query(
            None, ge=1, le=3, description="Number of zones, 1 to 3. Default: all."
        ),
    ) -> dict[str, Any]:
        wanted = [zones] if zones else list(FARES)
        return {
            "currency": "EUR",
            "fares": [{"zones": z, "prices": FARES[z]} for z in wanted],
            "concessions": CONCESSIONS,
        }

    @app.get(
        "/stations/{stop_id}",
        operation_id="getStation",
        summary="Facilities of a station or stop",
        description="Elevators and escalators with their status (working or out of service), "
        "step-free access, bike parking, toilets and ticket machines of a stop. Find stop "
        "ids with searchStops.",
    )
    def station(stop_id: int = Path(description="Stop id, e.g. 1001.")) -> dict[str, Any]:
        stop = _stop(stop_id)
        facilities = {
            "elevators": [],
            "escalators": [],
            "toilets": False,
            "ticket_machines": 1,
            **FACILITIES[stop_id],
        }
        return {"stop_id": stop_id, "name": stop["name"], "facilities": facilities}

    @app.get(
        "/lost-and-found/{case_number}",
        operation_id="getLostItem",
        summary="A lost property report by its case number",
        description="The item, line and day it was lost, status (not found yet, ready for "
        "pickup or returned to owner) and, when ready, where and until when to collect it.",
    )
    def lost_item(
        case_number: int = Path(description="Case number from the report, e.g. 58190."),
    ) -> dict[str, Any]:
        item = LOST_ITEMS.get(case_number)
        if item is None:
            raise HTTPException(404, f"No lost property case {case_number}.")
        return {"case_number": case_number, **item}

    return app


# ---------------------------------------------------------------------------- parcels
# A held-out seventh shape, written before any measurement on it: a parcel carrier's
# tracking API with tracking numbers as text codes ("PX-48213-DE", accepted with or
# without dashes and spaces), nested sender and recipient addresses, a delivery window or
# null, an event history, a customs hold with charges, delivery options (a date that is
# not available), pickup points searched by place and type (an enum) with opening hours
# per weekday (closed days, a one-off closure, an optional date) and a rate table nested
# by zone and weight band. The data is as of a fixed moment: Friday 2026-11-27, 10:30.

PARCEL_DAY = "2026-11-27"
PARCEL_NOW = "10:30"


def _address(street: str, postcode: str, city: str, country: str = "DE") -> dict[str, str]:
    return {"street": street, "postcode": postcode, "city": city, "country": country}


SHIPMENTS: dict[str, dict[str, Any]] = {
    "PX-48213-DE": {
        "service": "standard",
        "status": "out_for_delivery",
        "status_text": "Out for delivery",
        "weight_kg": 2.3,
        "sender": {
            "name": "Nordlicht Books GmbH",
            "address": _address("Hafenweg 8", "20457", "Hamburg"),
        },
        "recipient": {
            "name": "L. Hoffmann",
            "address": _address("Lindenstraße 21", "10969", "Berlin"),
        },
        "estimated_delivery": {"date": "2026-11-27", "window_from": "13:00", "window_to": "16:00"},
        "signature_required": True,
        "delivered": None,
        "held_at": None,
        "returned": None,
        "customs_hold": False,
        "last_update": "2026-11-27T07:48:00+01:00",
    },
    "PX-52006-DE": {
        "service": "standard",
        "status": "delivered",
        "status_text": "Delivered",
        "weight_kg": 0.8,
        "sender": {
            "name": "Kaffeerösterei Bohne & Co.",
            "address": _address("Mühlenstraße 4", "04109", "Leipzig"),
        },
        "recipient": {
            "name": "T. Brandt",
            "address": _address("Gartenstraße 12", "10115", "Berlin"),
        },
        "estimated_delivery": None,
        "signature_required": False,
        "delivered": {
            "at": "2026-11-26T14:12:00+01:00",
            "to": "neighbour",
            "received_by": "K. Yilmaz",
            "place": "Gartenstraße 14, ground floor",
            "notice_left": True,
        },
        "held_at": None,
        "returned": None,
        "customs_hold": False,
        "last_update": "2026-11-26T14:12:00+01:00",
    },
    "PX-39120-DE": {
        "service": "standard",
        "status": "returned_to_sender",
        "status_text": "Returned to sender",
        "weight_kg": 4.1,
        "sender": {
            "name": "Sportwelt Online",
            "address": _address("Industriering 30", "90451", "Nürnberg"),
        },
        "recipient": {
            "name": "J. Novak",
            "address": _address("Rosenweg 3", "80331", "Munich"),
        },
        "estimated_delivery": None,
        "signature_required": False,
        "delivered": None,
        "held_at": None,
        "returned": {
            "reason": "Not collected from the pickup point within 7 days.",
            "returned_on": "2026-11-25",
        },
        "customs_hold": False,
        "last_update": "2026-11-25T11:02:00+01:00",
    },
    "PX-50977-DE": {
        "service": "standard",
        "status": "awaiting_pickup",
        "status_text": "Delivery attempt failed (recipient not at home); the parcel is "
        "waiting at a pickup point",
        "weight_kg": 1.2,
        "sender": {
            "name": "Grünblatt Pflanzenversand",
            "address": _address("Am Gewächshaus 2", "01067", "Dresden"),
        },
        "recipient": {
            "name": "S. Keller",
            "address": _address("Marktstraße 9", "10115", "Berlin"),
        },
        "estimated_delivery": None,
        "signature_required": False,
        "delivered": None,
        "held_at": {
            "pickup_point_id": 4417,
            "name": "Kiosk am Markt",
            "address": _address("Marktstraße 3", "10115", "Berlin"),
            "since": "2026-11-26",
            "collect_by": "2026-12-04",
            "bring": "the delivery notice or the tracking number, and a photo ID",
        },
        "returned": None,
        "customs_hold": False,
        "last_update": "2026-11-26T17:05:00+01:00",
    },
    "PX-47750-DE": {
        "service": "standard",
        "status": "in_transit",
        "status_text": "In transit to the delivery depot",
        "weight_kg": 6.5,
        "sender": {
            "name": "Werkstatt Schulze",
            "address": _address("Elbufer 17", "01097", "Dresden"),
        },
        "recipient": {
            "name": "M. Petersen",
            "address": _address("Eppendorfer Weg 55", "20259", "Hamburg"),
        },
        "estimated_delivery": {"date": "2026-11-30", "window_from": None, "window_to": None},
        "signature_required": False,
        "delivered": None,
        "held_at": None,
        "returned": None,
        "customs_hold": False,
        "last_update": "2026-11-27T06:15:00+01:00",
    },
    "PX-61488-US": {
        "service": "international",
        "status": "held_at_customs",
        "status_text": "Held at customs: import charges due",
        "weight_kg": 1.9,
        "sender": {
            "name": "Maple Street Records",
            "address": _address("410 Maple Street", "97205", "Portland, OR", "US"),
        },
        "recipient": {
            "name": "A. Schmitt",
            "address": _address("Kastanienallee 40", "10435", "Berlin"),
        },
        "estimated_delivery": None,
        "signature_required": False,
        "delivered": None,
        "held_at": None,
        "returned": None,
        "customs_hold": True,
        "last_update": "2026-11-25T09:30:00+01:00",
    },
}


def _scan(at: str, code: str, text: str, location: str | None) -> dict[str, Any]:
    return {"timestamp": at, "code": code, "description": text, "location": location}


SHIPMENT_EVENTS: dict[str, list[dict[str, Any]]] = {
    "PX-48213-DE": [
        _scan("2026-11-25T17:20:00+01:00", "scanned", "Parcel received", "Hamburg depot"),
        _scan("2026-11-25T23:40:00+01:00", "in_transit", "Left the depot", "Hamburg depot"),
        _scan("2026-11-26T05:10:00+01:00", "in_transit", "Arrived at the hub", "Hub Hanover"),
        _scan(
            "2026-11-26T21:35:00+01:00",
            "in_transit",
            "Arrived at the delivery depot",
            "Berlin-Süd depot",
        ),
        _scan(
            "2026-11-27T07:48:00+01:00", "out_for_delivery", "Out for delivery", "Berlin-Süd depot"
        ),
    ],
    "PX-52006-DE": [
        _scan("2026-11-24T15:00:00+01:00", "scanned", "Parcel received", "Leipzig depot"),
        _scan(
            "2026-11-25T22:15:00+01:00",
            "in_transit",
            "Arrived at the delivery depot",
            "Berlin-Mitte depot",
        ),
        _scan(
            "2026-11-26T08:02:00+01:00",
            "out_for_delivery",
            "Out for delivery",
            "Berlin-Mitte depot",
        ),
        _scan(
            "2026-11-26T14:12:00+01:00",
            "delivered",
            "Delivered to a neighbour (K. Yilmaz, Gartenstraße 14)",
            "Berlin",
        ),
    ],
    "PX-39120-DE": [
        _scan("2026-11-10T12:30:00+01:00", "scanned", "Parcel received", "Nuremberg depot"),
        _scan(
            "2026-11-11T06:40:00+01:00",
            "in_transit",
            "Arrived at the delivery depot",
            "Munich-Ost depot",
        ),
        _scan(
            "2026-11-11T13:15:00+01:00",
            "delivery_exception",
            "Recipient not at home; taken to a pickup point",
            "Munich",
        ),
        _scan(
            "2026-11-11T16:00:00+01:00",
            "at_pickup_point",
            "Ready for collection at Schreibwaren Huber",
            "Munich",
        ),
        _scan(
            "2026-11-19T18:00:00+01:00",
            "delivery_exception",
            "Not collected within 7 days",
            "Munich",
        ),
        _scan(
            "2026-11-25T11:02:00+01:00", "returned_to_sender", "Returned to the sender", "Nuremberg"
        ),
    ],
    "PX-50977-DE": [
        _scan("2026-11-24T10:05:00+01:00", "scanned", "Parcel received", "Dresden depot"),
        _scan(
            "2026-11-25T21:50:00+01:00",
            "in_transit",
            "Arrived at the delivery depot",
            "Berlin-Mitte depot",
        ),
        _scan(
            "2026-11-26T09:00:00+01:00",
            "out_for_delivery",
            "Out for delivery",
            "Berlin-Mitte depot",
        ),
        _scan(
            "2026-11-26T15:40:00+01:00",
            "delivery_exception",
            "Recipient not at home; notice left",
            "Berlin",
        ),
        _scan(
            "2026-11-26T17:05:00+01:00",
            "at_pickup_point",
            "Ready for collection at Kiosk am Markt",
            "Berlin",
        ),
    ],
    "PX-47750-DE": [
        _scan("2026-11-25T16:40:00+01:00", "scanned", "Parcel received", "Dresden depot"),
        _scan("2026-11-25T22:10:00+01:00", "in_transit", "Left the depot", "Dresden depot"),
        _scan("2026-11-26T03:55:00+01:00", "in_transit", "Arrived at the hub", "Hub Leipzig"),
        _scan(
            "2026-11-26T09:30:00+01:00",
            "delivery_exception",
            "Delayed: sorting backlog at the hub",
            "Hub Leipzig",
        ),
        _scan("2026-11-27T06:15:00+01:00", "in_transit", "Left the hub", "Hub Leipzig"),
    ],
    "PX-61488-US": [
        _scan("2026-11-18T19:20:00-08:00", "scanned", "Parcel received", "Portland, OR"),
        _scan("2026-11-20T14:05:00+01:00", "in_transit", "Arrived in Germany", "Frankfurt airport"),
        _scan(
            "2026-11-25T09:30:00+01:00",
            "customs_hold",
            "Held at customs: import charges due",
            "Customs office Frankfurt",
        ),
    ],
}
CUSTOMS: dict[str, dict[str, Any]] = {
    "PX-61488-US": {
        "customs_required": True,
        "status": "held: import charges due",
        "origin_country": "US",
        "contents": "vinyl records",
        "declared_value": {"amount": 95.0, "currency": "USD"},
        "charges": {
            "import_vat_eur": 19.0,
            "duty_eur": 4.35,
            "handling_fee_eur": 6.0,
            "total_due_eur": 29.35,
        },
        "documents_missing": [],
        "pay_by": "2026-12-07",
        "how_to_pay": "Online with the tracking number; delivery follows within 2 working days.",
        "if_unpaid": "Returned to the sender after 2026-12-07.",
    },
}
DELIVERY_OPTIONS: dict[str, dict[str, Any]] = {
    "PX-47750-DE": {
        "can_change": True,
        "current_estimate": "2026-11-30",
        "reschedule_dates": [
            {"date": "2026-12-01", "weekday": "Tuesday"},
            {"date": "2026-12-03", "weekday": "Thursday"},
        ],
        "unavailable_dates": [
            {
                "date": "2026-12-02",
                "weekday": "Wednesday",
                "reason": "No deliveries to this area on that day.",
            },
        ],
        "redirect_to_pickup_point": True,
        "leave_with_neighbour": True,
        "safe_place": True,
    },
}
PICKUP_TYPES = {"locker": "parcel locker", "shop": "partner shop", "post_office": "post office"}
PICKUP_POINTS: dict[int, dict[str, Any]] = {
    4417: {
        "name": "Kiosk am Markt",
        "type": "shop",
        "address": _address("Marktstraße 3", "10115", "Berlin"),
        "hours": {
            **dict.fromkeys(WEEK[:5], "07:00-19:00"),
            "Saturday": "08:00-14:00",
            "Sunday": None,
        },
        "closures": [],
        "accepts_returns": True,
        "sends_parcels": True,
        "card_payment": False,
        "wheelchair_access": False,
    },
    4420: {
        "name": "Packstation 204, Hauptbahnhof",
        "type": "locker",
        "address": _address("Europaplatz 1", "10557", "Berlin"),
        "hours": dict.fromkeys(WEEK, "00:00-24:00"),
        "closures": [],
        "accepts_returns": True,
        "sends_parcels": True,
        "card_payment": True,
        "wheelchair_access": True,
        "max_parcel_size": "60 x 35 x 35 cm",
    },
    4431: {
        "name": "ParcelXpress Post Office Friedrichshain",
        "type": "post_office",
        "address": _address("Warschauer Straße 58", "10243", "Berlin"),
        "hours": {
            **dict.fromkeys(WEEK[:5], "09:00-18:00"),
            "Saturday": "09:00-12:30",
            "Sunday": None,
        },
        "closures": [{"date": "2026-11-30", "reason": "Closed for staff training"}],
        "accepts_returns": True,
        "sends_parcels": True,
        "card_payment": True,
        "wheelchair_access": True,
    },
    5102: {
        "name": "Packstation 117, Altona",
        "type": "locker",
        "address": _address("Max-Brauer-Allee 90", "22765", "Hamburg"),
        "hours": dict.fromkeys(WEEK, "00:00-24:00"),
        "closures": [],
        "accepts_returns": True,
        "sends_parcels": True,
        "card_payment": True,
        "wheelchair_access": True,
        "max_parcel_size": "60 x 35 x 35 cm",
    },
    5120: {
        "name": "Bäckerei Krümel",
        "type": "shop",
        "address": _address("Osterstraße 101", "20259", "Hamburg"),
        "hours": {
            "Monday": "06:30-18:00",
            "Tuesday": "06:30-18:00",
            "Wednesday": None,
            "Thursday": "06:30-18:00",
            "Friday": "06:30-18:00",
            "Saturday": "07:00-13:00",
            "Sunday": "08:00-11:00",
        },
        "closures": [],
        "accepts_returns": True,
        "sends_parcels": False,
        "card_payment": True,
        "wheelchair_access": True,
    },
    5133: {
        "name": "ParcelXpress Post Office Hamburg-Mitte",
        "type": "post_office",
        "address": _address("Mönckebergstraße 7", "20095", "Hamburg"),
        "hours": {
            **dict.fromkeys(WEEK[:5], "08:30-19:00"),
            "Saturday": "09:00-14:00",
            "Sunday": None,
        },
        "closures": [],
        "accepts_returns": True,
        "sends_parcels": True,
        "card_payment": True,
        "wheelchair_access": True,
    },
    6230: {
        "name": "Schreibwaren Huber",
        "type": "shop",
        "address": _address("Sendlinger Straße 44", "80331", "Munich"),
        "hours": {
            **dict.fromkeys(WEEK[:5], "09:00-18:30"),
            "Saturday": None,
            "Sunday": None,
        },
        "closures": [],
        "accepts_returns": False,
        "sends_parcels": False,
        "card_payment": False,
        "wheelchair_access": False,
        "note": "Collection of parcels only: no returns, no parcels sent from here.",
    },
    6244: {
        "name": "Packstation 332, Schwabing",
        "type": "locker",
        "address": _address("Leopoldstraße 120", "80802", "Munich"),
        "hours": dict.fromkeys(WEEK, "00:00-24:00"),
        "closures": [{"date": "2026-11-27", "reason": "Out of service after a power cut"}],
        "accepts_returns": True,
        "sends_parcels": True,
        "card_payment": True,
        "wheelchair_access": True,
        "max_parcel_size": "60 x 35 x 35 cm",
    },
}
# Prices in EUR by zone and weight band (up to and including the band's kilograms).
RATE_ZONES = {
    "domestic": "Within Germany",
    "eu": "The other EU member states",
    "world": "Every other country",
}
RATE_BANDS = (2.0, 5.0, 10.0, 20.0, 31.5)
RATES: dict[str, dict[str, tuple[float, ...]]] = {
    "domestic": {
        "standard": (5.49, 6.99, 9.49, 16.49, 19.99),
        "express": (11.9, 14.9, 19.9, 27.9, 34.9),
    },
    "eu": {
        "standard": (12.49, 17.99, 24.99, 36.99, 49.99),
        "express": (22.9, 31.5, 42.0, 58.0, 79.0),
    },
    "world": {
        "standard": (36.99, 47.99, 64.99, 89.99, 119.99),
        "express": (54.0, 71.0, 96.0, 132.0, 169.0),
    },
}
RATE_DAYS = {
    "domestic": {"standard": "1-2 working days", "express": "next working day by 12:00"},
    "eu": {"standard": "3-6 working days", "express": "1-3 working days"},
    "world": {"standard": "6-14 working days", "express": "2-5 working days"},
}


def _weekday(day: str) -> str:
    """The weekday of a YYYY-MM-DD date ("Monday"); 422 for an impossible date."""
    try:
        return WEEK[datetime.date.fromisoformat(day).weekday()]
    except ValueError:
        raise HTTPException(422, f"{day} is not a valid date (YYYY-MM-DD).") from None


def _tracking_key(tracking_number: str) -> str:
    """A tracking number as printed ("PX-48213-DE"), also given as "px 48213 de" or "PX48213DE"."""
    wanted = "".join(c for c in tracking_number.upper() if c.isalnum())
    for key in SHIPMENTS:
        if key.replace("-", "") == wanted:
            return key
    raise HTTPException(
        404, f"No shipment with tracking number {tracking_number}. Check the number on the label."
    )


def _pickup_point(point_id: int) -> dict[str, Any]:
    point = PICKUP_POINTS.get(point_id)
    if point is None:
        raise HTTPException(
            404, f"No pickup point with id {point_id}. Find ids with searchPickupPoints."
        )
    return point


def _fold(text: str) -> str:
    return text.lower().replace("ß", "ss").replace("ü", "u").replace("ö", "o").replace("ä", "a")


def create_parcels_app(server_url: str) -> FastAPI:
    app = FastAPI(
        title="ParcelXpress Tracking API",
        version="3.2.0",
        description="Shipment tracking, delivery options, customs, pickup points and shipping "
        "rates of ParcelXpress, a parcel carrier.",
        servers=[{"url": server_url}],
    )

    @app.get(
        "/shipments/{tracking_number}",
        operation_id="trackShipment",
        summary="Track a shipment",
        description="Current status of a shipment by its tracking number (like PX-48213-DE): "
        "status (in_transit, out_for_delivery, delivered, awaiting_pickup, held_at_customs, "
        "returned_to_sender), service, weight, sender and recipient with addresses, the "
        "estimated delivery date and time window (null when not known), whether a signature "
        "is required, and, when they apply, where and to whom it was delivered, the pickup "
        "point holding it, or why it was returned. The scan history is in "
        "listShipmentEvents.",
    )
    def track(
        tracking_number: str = Path(description="Tracking number, e.g. PX-48213-DE."),
    ) -> dict[str, Any]:
        key = _tracking_key(tracking_number)
        return {
            "tracking_number": key,
            "as_of": f"{PARCEL_DAY}T{PARCEL_NOW}:00+01:00",
            **SHIPMENTS[key],
        }

    @app.get(
        "/shipments/{tracking_number}/events",
        operation_id="listShipmentEvents",
        summary="Scan history of a shipment, oldest first",
        description="Every scan: timestamp, code (scanned, in_transit, out_for_delivery, "
        "delivery_exception, at_pickup_point, delivered, customs_hold, returned_to_sender), "
        "description and location.",
    )
    def events(
        tracking_number: str = Path(description="Tracking number, e.g. PX-48213-DE."),
    ) -> dict[str, Any]:
        key = _tracking_key(tracking_number)
        return {
            "tracking_number": key,
            "total": len(SHIPMENT_EVENTS[key]),
            "events": SHIPMENT_EVENTS[key],
        }

    @app.get(
        "/shipments/{tracking_number}/customs",
        operation_id="getCustomsStatus",
        summary="Customs status and import charges",
        description="For shipments from outside the EU: the customs status, declared value, "
        "import charges to pay (VAT, duty, handling fee and total, in EUR), missing "
        "documents, the payment deadline and what happens if it is not paid.",
    )
    def customs(
        tracking_number: str = Path(description="Tracking number, e.g. PX-61488-US."),
    ) -> dict[str, Any]:
        key = _tracking_key(tracking_number)
        info = CUSTOMS.get(
            key,
            {
                "customs_required": False,
                "status": "not applicable",
                "message": "This shipment does not go through customs.",
            },
        )
        return {"tracking_number": key, **info}

    @app.get(
        "/shipments/{tracking_number}/delivery-options",
        operation_id="getDeliveryOptions",
        summary="Ways to change a delivery",
        description="Whether the delivery can still be changed and how: other delivery "
        "dates (and dates that are not available), redirecting to a pickup point, leaving "
        "it with a neighbour or at a safe place.",
    )
    def delivery_options(
        tracking_number: str = Path(description="Tracking number, e.g. PX-47750-DE."),
    ) -> dict[str, Any]:
        key = _tracking_key(tracking_number)
        options = DELIVERY_OPTIONS.get(key)
        if options is None:
            status = SHIPMENTS[key]["status"]
            reasons = {
                "out_for_delivery": "The parcel is already out for delivery today; the "
                "delivery can no longer be changed.",
                "delivered": "The parcel has already been delivered.",
                "returned_to_sender": "The parcel has been returned to the sender.",
                "awaiting_pickup": "The parcel is waiting at a pickup point.",
                "held_at_customs": "The parcel is held at customs until the import charges "
                "are paid.",
            }
            options = {"can_change": False, "reason": reasons[status]}
        return {"tracking_number": key, **options}

    @app.get(
        "/pickup-points",
        operation_id="searchPickupPoints",
        summary="Find pickup points",
        description="Pickup points (parcel lockers, partner shops and post offices) matching "
        "a city, postcode, street or name: id, name, type and address. Opening hours and "
        "services are in getPickupPoint.",
    )
    def pickup_points(
        q: str = Query(description="City, postcode, street or name, e.g. Hamburg or 10115."),
        type: Literal["locker", "shop", "post_office"] | None = Query(
            None, description="Only parcel lockers, partner shops or post offices."
        ),
    ) -> dict[str, Any]:
        def text(point_id: int) -> str:
            p = PICKUP_POINTS[point_id]
            a = p["address"]
            city = "munich münchen" if a["city"] == "Munich" else a["city"]
            return _fold(
                " ".join([p["name"], PICKUP_TYPES[p["type"]], a["street"], a["postcode"], city])
            )

        words = [w for w in _fold(q).replace(",", " ").split() if len(w) > 2]
        pool = [n for n, p in PICKUP_POINTS.items() if type is None or p["type"] == type]
        hits = [n for n in pool if all(w in text(n) for w in words)]
        if not hits:
            hits = [n for n in pool if any(w in text(n) for w in words)]
        return {
            "query": q,
            "type": type,
            "total": len(hits),
            "pickup_points": [
                {
                    "id": n,
                    "name": PICKUP_POINTS[n]["name"],
                    "type": PICKUP_POINTS[n]["type"],
                    "address": PICKUP_POINTS[n]["address"],
                }
                for n in hits
            ],
        }

    @app.get(
        "/pickup-points/{point_id}",
        operation_id="getPickupPoint",
        summary="A pickup point's opening hours and services",
        description="Opening hours per weekday (null: closed all day), one-off closures, "
        "whether it accepts returns and sends parcels, card payment and wheelchair access. "
        "With a date, also whether it is open on that day.",
    )
    def pickup_point(
        point_id: int = Path(description="Pickup point id, e.g. 4417."),
        date: str | None = Query(
            None,
            pattern=r"^\d{4}-\d{2}-\d{2}$",
            description="A day as YYYY-MM-DD to get that day's hours.",
        ),
    ) -> dict[str, Any]:
        point = _pickup_point(point_id)
        body: dict[str, Any] = {"id": point_id, **point}
        if date:
            weekday = _weekday(date)
            closure = next((c for c in point["closures"] if c["date"] == date), None)
            hours = None if closure else point["hours"][weekday]
            body["on_date"] = {
                "date": date,
                "weekday": weekday,
                "open": hours is not None,
                "hours": hours,
                "closure_reason": closure["reason"] if closure else None,
            }
        return body

    @app.get(
        "/rates",
        operation_id="getShippingRates",
        summary="Shipping prices by zone and weight",
        description="Prices in EUR of standard and express parcels by destination zone "
        "(domestic: within Germany; eu: the other EU member states; world: every other "
        "country) and weight band (up to 2, 5, 10, 20 and 31.5 kg), with delivery times. "
        "With weight_kg, only the band for that weight. Parcels over 31.5 kg are not "
        "accepted.",
    )
    def rates(
        zone: Literal["domestic", "eu", "world"] | None = Query(
            None, description="Destination zone. Default: all zones."
        ),
        weight_kg: float | None = Query(
            None, gt=0, description="Weight of the parcel in kg, e.g. 3.5."
        ),
    ) -> dict[str, Any]:
        zones = [zone] if zone else list(RATES)
        if weight_kg is not None and weight_kg > RATE_BANDS[-1]:
            return {
                "currency": "EUR",
                "weight_kg": weight_kg,
                "accepted": False,
                "message": "Parcels over 31.5 kg are not accepted; use a freight service.",
            }
        bands = [i for i, top in enumerate(RATE_BANDS) if weight_kg is None or weight_kg <= top]
        if weight_kg is not None:
            bands = bands[:1]
        return {
            "currency": "EUR",
            "weight_kg": weight_kg,
            "accepted": True,
            "rates": [
                {
                    "zone": z,
                    "zone_description": RATE_ZONES[z],
                    "delivery_time": RATE_DAYS[z],
                    "bands": [
                        {
                            "up_to_kg": RATE_BANDS[i],
                            "standard": RATES[z]["standard"][i],
                            "express": RATES[z]["express"][i],
                        }
                        for i in bands
                    ],
                }
                for z in zones
            ],
        }

    return app


# ---------------------------------------------------------------------------- clinic
# A held-out eighth shape, written before any measurement on it: a medical practice's
# patient-facing API with integer doctor ids and lab request numbers, booking codes as
# text ("LH-4K7P"), a specialty enum to search by, free appointment slots with an optional
# date (fully booked days, a doctor on leave, one off sick), opening hours as lists of
# intervals with null for closed days, lab results as ready, pending or "needs follow-up
# call", insurance plans accepted or not, and vaccines in or out of stock with walk-in
# hours and an age limit. The data is as of a fixed moment: Friday 2026-11-27, 09:00.

CLINIC_DAY = "2026-11-27"
SPECIALTIES = {
    "general_practice": "General practice (family doctor)",
    "pediatrics": "Pediatrics (children's doctor)",
    "dermatology": "Dermatology (skin)",
    "cardiology": "Cardiology (heart)",
}
# Other words patients search with, per specialty.
SPECIALTY_WORDS = {
    "general_practice": "gp general practitioner family doctor",
    "pediatrics": "pediatrician paediatrician paediatrics child children kids",
    "dermatology": "dermatologist skin",
    "cardiology": "cardiologist heart",
}
DOCTORS: dict[int, dict[str, Any]] = {
    11: {
        "name": "Dr. Anna Weber",
        "specialty": "general_practice",
        "languages": ["German", "English"],
        "days_in_practice": ["Monday", "Tuesday", "Thursday", "Friday"],
        "accepts_new_patients": False,
        "new_patients_note": "Her patient list is full; new patients can register with Dr. Aydin.",
        "referral_required": False,
        "room": "1.04",
    },
    12: {
        "name": "Dr. Mehmet Aydin",
        "specialty": "general_practice",
        "languages": ["German", "Turkish", "English"],
        "days_in_practice": ["Monday", "Wednesday", "Friday"],
        "accepts_new_patients": True,
        "new_patients_note": None,
        "referral_required": False,
        "room": "1.06",
    },
    14: {
        "name": "Dr. Sophie Laurent",
        "specialty": "pediatrics",
        "languages": ["German", "French"],
        "days_in_practice": ["Tuesday", "Wednesday", "Thursday"],
        "accepts_new_patients": True,
        "new_patients_note": None,
        "referral_required": False,
        "room": "2.01",
    },
    15: {
        "name": "Dr. Lukas Schmid",
        "specialty": "pediatrics",
        "languages": ["German", "English", "Polish"],
        "days_in_practice": ["Monday", "Tuesday", "Friday"],
        "accepts_new_patients": True,
        "new_patients_note": None,
        "referral_required": False,
        "room": "2.03",
    },
    17: {
        "name": "Dr. Jonas Berg",
        "specialty": "dermatology",
        "languages": ["German", "English", "Swedish"],
        "days_in_practice": ["Monday", "Thursday"],
        "accepts_new_patients": True,
        "new_patients_note": None,
        "referral_required": False,
        "room": "3.02",
    },
    21: {
        "name": "Dr. Elena Petrova",
        "specialty": "cardiology",
        "languages": ["German", "Russian", "English"],
        "days_in_practice": ["Wednesday", "Friday"],
        "accepts_new_patients": False,
        "new_patients_note": "New patients only with a referral from a family doctor, "
        "waiting list.",
        "referral_required": True,
        "room": "3.05",
    },
}
ABSENCES: dict[int, list[dict[str, str]]] = {
    15: [{"from": "2026-11-30", "until": "2026-11-30", "reason": "ill"}],
    17: [{"from": "2026-11-23", "until": "2026-12-06", "reason": "on leave"}],
}
# Free slots per doctor and day; a working day missing here is fully booked.
SLOTS: dict[int, dict[str, list[str]]] = {
    11: {
        "2026-11-30": ["08:40", "11:20"],
        "2026-12-01": ["15:20"],
        "2026-12-04": ["09:00", "09:20", "10:40"],
        "2026-12-07": ["16:00"],
        "2026-12-10": ["08:00"],
    },
    12: {
        "2026-11-27": ["16:30"],
        "2026-11-30": ["08:00", "08:20", "14:10"],
        "2026-12-02": ["10:00", "10:20", "10:40", "11:00"],
        "2026-12-04": ["17:00"],
        "2026-12-07": ["09:00"],
    },
    14: {
        "2026-12-01": ["09:30", "14:00"],
        "2026-12-03": ["08:30", "08:50", "11:10"],
        "2026-12-08": ["10:00"],
        "2026-12-10": ["16:20"],
    },
    15: {
        "2026-12-04": ["14:40"],
        "2026-12-07": ["08:10", "11:30"],
        "2026-12-11": ["10:50"],
    },
    17: {"2026-12-07": ["10:00", "10:15"], "2026-12-10": ["14:30"]},
    21: {"2026-12-04": ["11:40"], "2026-12-09": ["09:20"]},
}
CLINIC_HOURS: dict[str, list[dict[str, str]] | None] = {
    "Monday": [{"from": "08:00", "to": "12:00"}, {"from": "14:00", "to": "18:00"}],
    "Tuesday": [{"from": "08:00", "to": "12:00"}, {"from": "14:00", "to": "18:00"}],
    "Wednesday": [{"from": "08:00", "to": "13:00"}],
    "Thursday": [{"from": "08:00", "to": "12:00"}, {"from": "14:00", "to": "19:00"}],
    "Friday": [{"from": "08:00", "to": "12:00"}, {"from": "14:00", "to": "17:30"}],
    "Saturday": None,
    "Sunday": None,
}
CLINIC_SPECIAL_DAYS: list[dict[str, Any]] = [
    {"date": "2026-12-24", "hours": None, "note": "Closed (Christmas Eve)"},
    {"date": "2026-12-25", "hours": None, "note": "Closed (Christmas Day)"},
    {"date": "2026-12-31", "hours": [{"from": "08:00", "to": "12:00"}], "note": "Mornings only"},
]
LAB_RESULTS: dict[int, dict[str, Any]] = {
    880412: {
        "ordered_by": 11,
        "sample_taken": "2026-11-23",
        "tests": ["full blood count", "thyroid (TSH)"],
        "status": "needs_follow_up_call",
        "ready_on": "2026-11-26",
        "expected_ready": None,
        "released_online": False,
        "message": "Dr. Weber would like to discuss the results with you. Please call the "
        "practice during phone hours (Monday to Friday 08:00-11:00).",
    },
    880377: {
        "ordered_by": 12,
        "sample_taken": "2026-11-25",
        "tests": ["vitamin D", "ferritin"],
        "status": "pending",
        "ready_on": None,
        "expected_ready": "2026-12-01",
        "released_online": False,
        "message": "The laboratory has not sent the results yet.",
    },
    880390: {
        "ordered_by": 21,
        "sample_taken": "2026-11-20",
        "tests": ["lipid panel"],
        "status": "ready",
        "ready_on": "2026-11-24",
        "expected_ready": None,
        "released_online": True,
        "message": "No abnormal findings. No follow-up needed.",
    },
}
APPOINTMENTS: dict[str, dict[str, Any]] = {
    "LH-4K7P": {
        "status": "cancelled_by_practice",
        "doctor_id": 15,
        "date": "2026-11-30",
        "time": "10:00",
        "patient": "Mia K.",
        "reason": "Dr. Schmid is ill on 2026-11-30.",
        "next_step": "Please book a new time (see listFreeSlots) or call the practice during "
        "phone hours.",
    },
    "LH-9C2M": {
        "status": "confirmed",
        "doctor_id": 11,
        "date": "2026-12-01",
        "time": "08:20",
        "patient": "Jonas R.",
        "reason": None,
        "next_step": "Bring your insurance card. Cancel at least 24 hours before.",
    },
}
INSURANCE_PLANS: list[dict[str, Any]] = [
    {"name": "CityCare Health", "type": "public", "accepted": True, "note": None},
    {"name": "Northstar Mutual", "type": "public", "accepted": True, "note": None},
    {"name": "Unity Health Plus", "type": "public", "accepted": True, "note": None},
    {
        "name": "Unity Health Basic",
        "type": "public",
        "accepted": False,
        "note": "Not accepted since 2026-07-01; you can still be seen as a self-paying patient.",
    },
    {
        "name": "Evergreen Private",
        "type": "private",
        "accepted": True,
        "note": "Billed directly to you; claim the costs back from Evergreen.",
    },
    {"name": "Self-pay", "type": "none", "accepted": True, "note": "Prices on request."},
]
VACCINES: dict[str, dict[str, Any]] = {
    "flu": {
        "name": "Influenza, 2026/27 season",
        "in_stock": True,
        "expected_back": None,
        "appointment_needed": False,
        "walk_in": {"days": ["Tuesday", "Thursday"], "hours": "08:00-10:00", "min_age": 12},
        "eligibility": "Everyone from 6 months.",
        "note": "Children under 12: by appointment with a pediatrician (Dr. Laurent or "
        "Dr. Schmid).",
    },
    "covid19": {
        "name": "COVID-19, updated 2026/27 vaccine",
        "in_stock": False,
        "expected_back": "2026-12-07",
        "appointment_needed": True,
        "walk_in": None,
        "eligibility": "Everyone from 12 years.",
        "note": "Out of stock; bookings open again when the next delivery arrives.",
    },
    "shingles": {
        "name": "Shingles (herpes zoster), 2 doses",
        "in_stock": True,
        "expected_back": None,
        "appointment_needed": True,
        "walk_in": None,
        "eligibility": "60 and over, or 50 and over with a chronic illness.",
        "note": "The second dose 2 to 6 months after the first.",
    },
    "tetanus": {
        "name": "Tetanus and diphtheria booster",
        "in_stock": True,
        "expected_back": None,
        "appointment_needed": True,
        "walk_in": None,
        "eligibility": "Every 10 years for adults.",
        "note": "Can be given during any appointment.",
    },
    "tbe": {
        "name": "Tick-borne encephalitis (TBE)",
        "in_stock": True,
        "expected_back": None,
        "appointment_needed": True,
        "walk_in": None,
        "eligibility": "From 1 year, for travel to or living in risk areas.",
        "note": "3 doses for full protection.",
    },
}


def _doctor(doctor_id: int) -> dict[str, Any]:
    doctor = DOCTORS.get(doctor_id)
    if doctor is None:
        raise HTTPException(404, f"No doctor with id {doctor_id}. Find ids with searchDoctors.")
    return doctor


def _absence(doctor_id: int, day: str) -> dict[str, str] | None:
    return next((a for a in ABSENCES.get(doctor_id, []) if a["from"] <= day <= a["until"]), None)


def _slot_day(doctor_id: int, day: str) -> dict[str, Any]:
    """One day of a doctor's free slots, with a note when there are none."""
    doctor = DOCTORS[doctor_id]
    weekday = _weekday(day)
    absence = _absence(doctor_id, day)
    special = next((s for s in CLINIC_SPECIAL_DAYS if s["date"] == day), None)
    note = None
    if day < CLINIC_DAY:
        note = "This day is in the past."
    elif CLINIC_HOURS[weekday] is None or (special and special["hours"] is None):
        note = f"The practice is closed on {weekday}s." if not special else special["note"]
    elif weekday not in doctor["days_in_practice"]:
        note = f"{doctor['name']} does not see patients on {weekday}s."
    elif absence:
        start, end = absence["from"], absence["until"]
        when = f"on {start}" if start == end else f"from {start} to {end}"
        note = f"{doctor['name']} is {absence['reason']} {when}."
    slots = [] if note else SLOTS[doctor_id].get(day, [])
    if not note and not slots:
        note = "Fully booked."
    return {"date": day, "weekday": weekday, "slots": slots, "note": note}


def _booking_key(code: str) -> str:
    wanted = "".join(c for c in code.upper() if c.isalnum())
    for key in APPOINTMENTS:
        if key.replace("-", "") == wanted:
            return key
    raise HTTPException(404, f"No appointment with booking code {code}.")


def create_clinic_app(server_url: str) -> FastAPI:
    app = FastAPI(
        title="Lindenhof Practice Patient API",
        version="1.4.0",
        description="Doctors, free appointment slots, bookings, opening hours, lab results, "
        "insurance plans and vaccines of the Lindenhof group practice.",
        servers=[{"url": server_url}],
    )

    @app.get(
        "/doctors",
        operation_id="searchDoctors",
        summary="Find doctors",
        description="Doctors of the practice by name or specialty: id, name and specialty. "
        "Languages, working days and whether they take new patients are in getDoctor.",
    )
    def doctors(
        q: str = Query("", description="Part of the doctor's name, e.g. Weber. Empty: all."),
        specialty: Literal["general_practice", "pediatrics", "dermatology", "cardiology"]
        | None = Query(None, description="Only doctors of this specialty."),
    ) -> dict[str, Any]:
        def text(doctor_id: int) -> str:
            d = DOCTORS[doctor_id]
            words = [d["name"], d["specialty"], SPECIALTIES[d["specialty"]]]
            return " ".join([*words, SPECIALTY_WORDS[d["specialty"]]]).lower()

        words = [w.strip(".,") for w in q.lower().split()]
        words = [w for w in words if len(w) > 2 and w not in ("doctor", "doctors", "the")]
        pool = [n for n, d in DOCTORS.items() if specialty is None or d["specialty"] == specialty]
        hits = [n for n in pool if all(w in text(n) for w in words)]
        if not hits:
            hits = [n for n in pool if any(w in text(n) for w in words)]
        return {
            "query": q,
            "specialty": specialty,
            "total": len(hits),
            "doctors": [
                {
                    "id": n,
                    "name": DOCTORS[n]["name"],
                    "specialty": DOCTORS[n]["specialty"],
                    "specialty_label": SPECIALTIES[DOCTORS[n]["specialty"]],
                }
                for n in hits
            ],
        }

    @app.get(
        "/doctors/{doctor_id}",
        operation_id="getDoctor",
        summary="A doctor's profile",
        description="Specialty, languages spoken, the weekdays the doctor is in the practice, "
        "whether they accept new patients (and on what terms), whether a referral is needed, "
        "room, and absences (leave or illness) with their dates.",
    )
    def doctor(doctor_id: int = Path(description="Doctor id, e.g. 11.")) -> dict[str, Any]:
        d = _doctor(doctor_id)
        return {
            "id": doctor_id,
            **d,
            "specialty_label": SPECIALTIES[d["specialty"]],
            "absences": ABSENCES.get(doctor_id, []),
        }

    @app.get(
        "/doctors/{doctor_id}/slots",
        operation_id="listFreeSlots",
        summary="Free appointment slots of a doctor",
        description="Free appointment times (HH:MM) of a doctor on one day, or on each of "
        "their working days in the next two weeks when no date is given. A day without "
        "slots says why (fully booked, not a working day, leave, practice closed). Also the "
        "doctor's next free slot.",
    )
    def slots(
        doctor_id: int = Path(description="Doctor id, e.g. 11."),
        date: str | None = Query(
            None,
            pattern=r"^\d{4}-\d{2}-\d{2}$",
            description="Day as YYYY-MM-DD. Default: the next 14 days.",
        ),
    ) -> dict[str, Any]:
        d = _doctor(doctor_id)
        if date:
            days = [_slot_day(doctor_id, date)]
        else:
            start = datetime.date.fromisoformat(CLINIC_DAY)
            dates = [(start + datetime.timedelta(days=i)).isoformat() for i in range(14)]
            days = [
                _slot_day(doctor_id, day) for day in dates if _weekday(day) in d["days_in_practice"]
            ]
        free = sorted(
            (day, time)
            for day, times in SLOTS[doctor_id].items()
            for time in times
            if day >= CLINIC_DAY
        )
        next_free = None
        if free:
            day, time = free[0]
            next_free = {"date": day, "weekday": _weekday(day), "time": time}
        return {
            "doctor_id": doctor_id,
            "doctor": d["name"],
            "days": days,
            "next_free_slot": next_free,
        }

    @app.get(
        "/appointments/{booking_code}",
        operation_id="getAppointment",
        summary="An appointment by its booking code",
        description="Status (confirmed or cancelled_by_practice), doctor, date and time, the "
        "reason for a cancellation and what to do next.",
    )
    def appointment(
        booking_code: str = Path(description="Booking code from the confirmation, e.g. LH-9C2M."),
    ) -> dict[str, Any]:
        key = _booking_key(booking_code)
        a = APPOINTMENTS[key]
        return {
            "booking_code": key,
            **{k: v for k, v in a.items() if k != "doctor_id"},
            "doctor": {"id": a["doctor_id"], "name": DOCTORS[a["doctor_id"]]["name"]},
        }

    @app.get(
        "/practice/hours",
        operation_id="getOpeningHours",
        summary="Opening hours",
        description="The practice's opening hours per weekday as lists of intervals (null: "
        "closed), phone hours, special days such as holidays, and what to do out of hours.",
    )
    def hours() -> dict[str, Any]:
        return {
            "practice": "Lindenhof Practice",
            "address": {"street": "Lindenhof 5", "postcode": "10827", "city": "Berlin"},
            "phone": "+49 30 5550 1200",
            "hours": CLINIC_HOURS,
            "phone_hours": "Monday to Friday 08:00-11:00",
            "special_days": CLINIC_SPECIAL_DAYS,
            "prescriptions": "Repeat prescriptions are collected at the front desk during "
            "opening hours.",
            "out_of_hours": "Call the on-call doctor service on 116117; in an emergency, 112.",
        }

    @app.get(
        "/lab-results/{request_number}",
        operation_id="getLabResult",
        summary="Status of a lab result",
        description="The status of a lab request by its number: pending (with the expected "
        "date), ready, or needs_follow_up_call (the doctor wants to talk to you), the tests, "
        "the ordering doctor and a message. Values are not shown here.",
    )
    def lab_result(
        request_number: int = Path(description="Lab request number, e.g. 880390."),
    ) -> dict[str, Any]:
        r = LAB_RESULTS.get(request_number)
        if r is None:
            raise HTTPException(404, f"No lab request {request_number}.")
        return {
            "request_number": request_number,
            **{k: v for k, v in r.items() if k != "ordered_by"},
            "ordered_by": {"id": r["ordered_by"], "name": DOCTORS[r["ordered_by"]]["name"]},
        }

    @app.get(
        "/insurance-plans",
        operation_id="listInsurancePlans",
        summary="Insurance plans",
        description="The health insurance plans the practice knows, each accepted or not, "
        "with notes.",
    )
    def insurance() -> dict[str, Any]:
        return {"total": len(INSURANCE_PLANS), "plans": INSURANCE_PLANS}

    @app.get(
        "/vaccines",
        operation_id="getVaccineAvailability",
        summary="Vaccines in stock",
        description="Whether each vaccine is in stock (or when it is expected back), who can "
        "have it, whether an appointment is needed and the walk-in days, hours and minimum "
        "age.",
    )
    def vaccines(
        vaccine: Literal["flu", "covid19", "shingles", "tetanus", "tbe"] | None = Query(
            None, description="Only this vaccine. Default: all."
        ),
    ) -> dict[str, Any]:
        wanted = [vaccine] if vaccine else list(VACCINES)
        return {"vaccines": [{"vaccine": v, **VACCINES[v]} for v in wanted]}

    return app


# ---------------------------------------------------------------------------- hotel

HOTEL_DAY = "2026-11-27"
HOTEL_RATES_UNTIL = "2027-03-31"
HOTEL_WEEKEND_SUPPLEMENT = 20.0  # Friday and Saturday nights
ROOM_TYPES: dict[int, dict[str, Any]] = {
    2: {
        "name": "Classic Double",
        "view": "city",
        "size_m2": 18,
        "max_guests": 2,
        "rooms": 6,
        "price_from_eur": 119.0,
        "beds": [{"type": "double", "width_cm": 160}],
        "amenities": {
            "bathroom": {"shower": "walk-in", "bathtub": False, "hairdryer": True},
            "room": {
                "balcony": False,
                "terrace": False,
                "air_conditioning": True,
                "minibar": False,
                "kettle": True,
                "espresso_machine": False,
                "safe": True,
                "tv": "43-inch smart TV",
            },
            "accessibility": {"lift_access": True, "step_free": False, "roll_in_shower": False},
        },
        "baby_cot": True,
        "extra_bed": None,
        "notes": "Faces Rua do Farol; windows are soundproofed.",
    },
    4: {
        "name": "Garden Twin",
        "view": "garden",
        "size_m2": 20,
        "max_guests": 2,
        "rooms": 4,
        "price_from_eur": 129.0,
        "beds": [{"type": "single", "width_cm": 90}, {"type": "single", "width_cm": 90}],
        "amenities": {
            "bathroom": {"shower": "roll-in", "bathtub": False, "hairdryer": True},
            "room": {
                "balcony": False,
                "terrace": True,
                "air_conditioning": True,
                "minibar": False,
                "kettle": True,
                "espresso_machine": False,
                "safe": True,
                "tv": "43-inch smart TV",
            },
            "accessibility": {"lift_access": True, "step_free": True, "roll_in_shower": True},
        },
        "baby_cot": True,
        "extra_bed": None,
        "notes": "Ground floor with a small private terrace onto the garden. Wheelchair "
        "accessible.",
    },
    5: {
        "name": "Superior Sea View",
        "view": "sea",
        "size_m2": 24,
        "max_guests": 2,
        "rooms": 3,
        "price_from_eur": 189.0,
        "beds": [{"type": "king", "width_cm": 180}],
        "amenities": {
            "bathroom": {"shower": "over the bath", "bathtub": True, "hairdryer": True},
            "room": {
                "balcony": True,
                "terrace": False,
                "air_conditioning": True,
                "minibar": True,
                "kettle": True,
                "espresso_machine": True,
                "safe": True,
                "tv": "50-inch smart TV",
            },
            "accessibility": {"lift_access": True, "step_free": False, "roll_in_shower": False},
        },
        "baby_cot": True,
        "extra_bed": None,
        "notes": "Balcony with two chairs facing the Atlantic, floors 4 to 6.",
    },
    7: {
        "name": "Family Room",
        "view": "garden",
        "size_m2": 32,
        "max_guests": 4,
        "rooms": 2,
        "price_from_eur": 209.0,
        "beds": [
            {"type": "double", "width_cm": 160},
            {"type": "bunk bed", "width_cm": 90},
        ],
        "amenities": {
            "bathroom": {"shower": "over the bath", "bathtub": True, "hairdryer": True},
            "room": {
                "balcony": False,
                "terrace": False,
                "air_conditioning": True,
                "minibar": False,
                "kettle": True,
                "espresso_machine": False,
                "safe": True,
                "tv": "43-inch smart TV",
            },
            "accessibility": {"lift_access": True, "step_free": False, "roll_in_shower": False},
        },
        "baby_cot": True,
        "extra_bed": None,
        "notes": "For 2 adults and up to 2 children aged up to 12 (bunk bed).",
    },
    9: {
        "name": "Junior Suite Sea View",
        "view": "sea",
        "size_m2": 45,
        "max_guests": 3,
        "rooms": 1,
        "price_from_eur": 289.0,
        "beds": [{"type": "king", "width_cm": 180}, {"type": "sofa bed", "width_cm": 140}],
        "amenities": {
            "bathroom": {
                "shower": "rain shower",
                "bathtub": True,
                "bathtub_type": "freestanding",
                "hairdryer": True,
            },
            "room": {
                "balcony": True,
                "terrace": False,
                "air_conditioning": True,
                "minibar": True,
                "kettle": True,
                "espresso_machine": True,
                "safe": True,
                "tv": "55-inch smart TV",
            },
            "accessibility": {"lift_access": True, "step_free": False, "roll_in_shower": False},
        },
        "baby_cot": True,
        "extra_bed": None,
        "notes": "Corner suite on the 7th floor with a separate living area; the sofa bed "
        "sleeps a third guest.",
    },
    11: {
        "name": "Attic Studio",
        "view": "city",
        "size_m2": 16,
        "max_guests": 2,
        "rooms": 2,
        "price_from_eur": 99.0,
        "beds": [{"type": "double", "width_cm": 140}],
        "amenities": {
            "bathroom": {"shower": "cubicle", "bathtub": False, "hairdryer": True},
            "room": {
                "balcony": False,
                "terrace": False,
                "air_conditioning": False,
                "minibar": False,
                "kettle": True,
                "espresso_machine": False,
                "safe": True,
                "tv": "32-inch TV",
            },
            "accessibility": {"lift_access": False, "step_free": False, "roll_in_shower": False},
        },
        "baby_cot": False,
        "extra_bed": None,
        "notes": "Sloping ceilings and a ceiling fan; the lift stops at the 7th floor, then one "
        "flight of stairs.",
    },
}
# Nights (the date a night starts) that cannot be booked: per room type, or for every type (0).
HOTEL_BLOCKED: dict[tuple[str, int], str] = {
    ("2026-11-28", 5): "Sold out.",
    ("2026-11-28", 9): "Sold out.",
    ("2026-12-04", 0): "Sold out: Porto Winter Jazz weekend.",
    ("2026-12-05", 0): "Sold out: Porto Winter Jazz weekend.",
    **{
        (f"2026-12-{day:02d}", 9): "Not bookable: the suite is being renovated."
        for day in range(7, 14)
    },
}
# Rooms left on some nights (otherwise all of the type's rooms are free).
HOTEL_FEW_LEFT: dict[tuple[str, int], int] = {
    ("2026-11-28", 7): 1,
    ("2026-11-28", 2): 2,
    ("2026-12-01", 7): 1,
    ("2026-12-03", 5): 1,
}
HOTEL_BOOKINGS: dict[str, dict[str, Any]] = {
    "ALB-7Q4K2": {
        "status": "confirmed",
        "guest": "Helena Lindqvist",
        "room_type_id": 5,
        "check_in": "2026-12-11",
        "check_out": "2026-12-14",
        "nights": 3,
        "adults": 2,
        "children": 0,
        "breakfast_included": True,
        "payment": {
            "status": "paid",
            "total_eur": 607.0,
            "paid_eur": 607.0,
            "due_eur": 0.0,
            "due_by": None,
            "paid_on": "2026-10-02",
            "method": "Visa ending 4417",
        },
        "city_tax_at_hotel_eur": 12.0,
        "cancellation": None,
        "free_cancellation_until": "2026-12-09T15:00",
        "special_requests": ["Quiet room, high floor"],
    },
    "ALB-3M8RX": {
        "status": "cancelled",
        "guest": "Marco Bellini",
        "room_type_id": 2,
        "check_in": "2026-11-27",
        "check_out": "2026-11-29",
        "nights": 2,
        "adults": 1,
        "children": 0,
        "breakfast_included": False,
        "payment": {
            "status": "refunded_partly",
            "total_eur": 278.0,
            "paid_eur": 278.0,
            "due_eur": 0.0,
            "due_by": None,
            "paid_on": "2026-11-02",
            "method": "Mastercard ending 0932",
        },
        "city_tax_at_hotel_eur": 0.0,
        "cancellation": {
            "cancelled_on": "2026-11-26",
            "cancelled_by": "guest",
            "fee_eur": 139.0,
            "refund_eur": 139.0,
            "reason": "Cancelled less than 48 hours before arrival: the first night is charged.",
        },
        "free_cancellation_until": None,
        "special_requests": [],
    },
    "ALB-9D2WT": {
        "status": "pending_payment",
        "guest": "Aylin Demir",
        "room_type_id": 7,
        "check_in": "2026-12-01",
        "check_out": "2026-12-03",
        "nights": 2,
        "adults": 2,
        "children": 2,
        "breakfast_included": False,
        "payment": {
            "status": "deposit_pending",
            "total_eur": 418.0,
            "paid_eur": 0.0,
            "due_eur": 125.4,
            "due_by": "2026-11-29",
            "paid_on": None,
            "method": None,
            "note": "A 30% deposit of 125.40 EUR is due by 2026-11-29 (payment link sent by "
            "e-mail); the booking is released if it is not paid. The remaining 292.60 EUR is "
            "paid at check-in.",
        },
        "city_tax_at_hotel_eur": 8.0,
        "cancellation": None,
        "free_cancellation_until": "2026-11-29T15:00",
        "special_requests": ["Baby cot not needed", "Late arrival around 21:00"],
    },
}
HOTEL_FACILITIES: dict[str, dict[str, Any]] = {
    "restaurant": {
        "name": "Maré Restaurant",
        "location": "Ground floor",
        "hours": {
            "Monday": [{"service": "breakfast", "from": "07:00", "to": "10:30"}],
            **{
                day: [
                    {"service": "breakfast", "from": "07:00", "to": "10:30"},
                    {"service": "dinner", "from": "19:00", "to": "22:30"},
                ]
                for day in ("Tuesday", "Wednesday", "Thursday", "Friday")
            },
            "Saturday": [
                {"service": "breakfast", "from": "07:30", "to": "11:00"},
                {"service": "dinner", "from": "19:00", "to": "22:30"},
            ],
            "Sunday": [
                {"service": "breakfast", "from": "07:30", "to": "11:00"},
                {"service": "lunch", "from": "12:30", "to": "15:30"},
            ],
        },
        "closures": [],
        "reservations": "Recommended for dinner; book at reception.",
        "notes": "No dinner service on Sundays and Mondays; the Farol Bar serves light snacks "
        "until 22:00 on those evenings. Breakfast costs 16.00 EUR when not included.",
    },
    "spa": {
        "name": "Onda Spa",
        "location": "Level -1",
        "hours": {
            "Monday": [{"service": "spa", "from": "10:00", "to": "20:00"}],
            "Tuesday": None,
            **{
                day: [{"service": "spa", "from": "10:00", "to": "20:00"}]
                for day in ("Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
            },
        },
        "closures": [{"date": "2026-11-28", "reason": "Closed all day for sauna maintenance."}],
        "reservations": "Treatments must be booked at least 24 hours ahead.",
        "notes": "Sauna, steam room and relaxation area are free for hotel guests aged 16 and "
        "over; treatments cost extra.",
    },
    "pool": {
        "name": "Indoor pool",
        "location": "Level -1",
        "hours": {day: [{"service": "pool", "from": "07:00", "to": "21:00"}] for day in WEEK},
        "closures": [
            {"date": "2026-12-08", "reason": "Closed until 13:00 for cleaning."},
        ],
        "reservations": None,
        "notes": "Heated to 28 °C. Children welcome until 18:00; adults only from 18:00. "
        "Towels are at the pool.",
    },
    "bar": {
        "name": "Farol Bar",
        "location": "8th floor",
        "hours": {
            **{
                day: [{"service": "bar", "from": "17:00", "to": "00:00"}]
                for day in ("Sunday", "Monday", "Tuesday", "Wednesday", "Thursday")
            },
            "Friday": [{"service": "bar", "from": "17:00", "to": "01:00"}],
            "Saturday": [{"service": "bar", "from": "17:00", "to": "01:00"}],
        },
        "closures": [],
        "reservations": None,
        "notes": "The rooftop terrace is closed for the winter (2026-11-01 to 2027-03-31); "
        "the indoor bar is open.",
    },
}
HOTEL_POLICIES: dict[str, Any] = {
    "check_in": {
        "from": "15:00",
        "until": "23:00",
        "late_arrival": "Call reception if you "
        "arrive after 23:00; the night porter can check you in.",
    },
    "check_out": {
        "until": "11:00",
        "late_check_out": {
            "available": True,
            "until": "14:00",
            "fee_eur": 30.0,
            "on_request": True,
        },
    },
    "early_check_in": {"available": True, "from": "12:00", "fee_eur": 25.0, "on_request": True},
    "pets": {
        "allowed": False,
        "note": "Pets are not allowed. Assistance dogs are welcome free of charge.",
    },
    "children": {
        "welcome": True,
        "free_under_age": 4,
        "note": "Children under 4 stay free in their parents' bed; baby cots are free on "
        "request (not in the Attic Studio).",
    },
    "cancellation": {
        "free_until": "48 hours before 15:00 on the day of arrival",
        "late_cancellation_fee": "the first night",
        "no_show_fee": "the whole stay",
    },
    "deposit": "Bookings not paid in full need a 30% deposit within 2 days of booking.",
    "city_tax": {
        "eur_per_person_per_night": 2.0,
        "max_nights": 7,
        "free_under_age": 13,
        "paid": "at the hotel",
    },
    "parking": {
        "available": True,
        "type": "underground garage",
        "price_per_night_eur": 18.0,
        "spaces": 12,
        "reservation_required": True,
        "ev_charging": True,
        "note": "Reserve a space with reception before arrival; the garage is often full.",
    },
    "payment_methods": ["Visa", "Mastercard", "American Express", "cash (EUR)"],
    "smoking": "Not allowed anywhere inside the hotel; smoking area in the garden.",
    "wifi": {"free": True, "everywhere": True},
}
SHUTTLE_TIMES = {
    "from_hotel": ["05:30", "08:00", "11:00", "15:00", "18:30"],
    "from_airport": ["06:30", "09:15", "12:15", "16:15", "19:45"],
}
SHUTTLE_NO_SERVICE = {"2026-12-25": "No shuttle on Christmas Day."}


def _hotel_date(day: str, name: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(day)
    except ValueError:
        raise HTTPException(422, f"{name} {day} is not a valid date (YYYY-MM-DD).") from None


def _room_type(room_type_id: int) -> dict[str, Any]:
    room = ROOM_TYPES.get(room_type_id)
    if room is None:
        raise HTTPException(
            404, f"No room type with id {room_type_id}. Find ids with listRoomTypes."
        )
    return room


def _night(room_type_id: int, day: str) -> dict[str, Any]:
    room = ROOM_TYPES[room_type_id]
    weekday = _weekday(day)
    reason = HOTEL_BLOCKED.get((day, room_type_id)) or HOTEL_BLOCKED.get((day, 0))
    price = room["price_from_eur"] + (
        HOTEL_WEEKEND_SUPPLEMENT if weekday in ("Friday", "Saturday") else 0.0
    )
    return {
        "date": day,
        "weekday": weekday,
        "available": reason is None,
        "rooms_left": 0 if reason else HOTEL_FEW_LEFT.get((day, room_type_id), room["rooms"]),
        "price_eur": None if reason else price,
        "reason": reason,
    }


def _confirmation_key(code: str) -> str:
    """A confirmation code as printed ("ALB-7Q4K2"), also given as "alb7q4k2" or "ALB 7Q4K2"."""
    wanted = "".join(c for c in code.upper() if c.isalnum())
    for key in HOTEL_BOOKINGS:
        if key.replace("-", "") == wanted:
            return key
    raise HTTPException(
        404,
        f"No booking with confirmation code {code}. Check the code in your confirmation e-mail.",
    )


def create_hotel_app(server_url: str) -> FastAPI:
    app = FastAPI(
        title="Alba Marina Hotel Guest API",
        version="2.1.0",
        description="Room types, availability and prices, bookings, restaurant, spa, pool and "
        "bar hours, house policies and the airport shuttle of the Alba Marina Hotel, Porto.",
        servers=[{"url": server_url}],
    )

    @app.get(
        "/room-types",
        operation_id="listRoomTypes",
        summary="List room types",
        description="The hotel's room types: id, name, view (sea, garden or city), the most "
        "guests it sleeps and the lowest nightly price. Size, beds and amenities are in "
        "getRoomType.",
    )
    def room_types(
        view: Literal["sea", "garden", "city"] | None = Query(
            None, description="Only room types with this view."
        ),
        guests: int | None = Query(
            None, ge=1, le=10, description="Only room types that sleep at least this many."
        ),
        q: str = Query("", description="Part of the room type's name, e.g. suite. Empty: all."),
    ) -> dict[str, Any]:
        words = [w for w in q.lower().split() if w not in ("room", "rooms", "the")]
        hits = [
            n
            for n, r in ROOM_TYPES.items()
            if (view is None or r["view"] == view)
            and (guests is None or r["max_guests"] >= guests)
            and all(w in r["name"].lower() for w in words)
        ]
        return {
            "total": len(hits),
            "room_types": [
                {
                    "id": n,
                    "name": ROOM_TYPES[n]["name"],
                    "view": ROOM_TYPES[n]["view"],
                    "max_guests": ROOM_TYPES[n]["max_guests"],
                    "price_from_eur": ROOM_TYPES[n]["price_from_eur"],
                }
                for n in hits
            ],
        }

    @app.get(
        "/room-types/{room_type_id}",
        operation_id="getRoomType",
        summary="A room type's details",
        description="Size in m², view, beds, the most guests, amenities (bathroom: shower and "
        "bathtub; room: balcony, terrace, air conditioning, minibar and more; accessibility), "
        "whether a baby cot fits, the lowest nightly price and notes.",
    )
    def room_type(
        room_type_id: int = Path(description="Room type id, e.g. 5."),
    ) -> dict[str, Any]:
        room = _room_type(room_type_id)
        return {"id": room_type_id, **{k: v for k, v in room.items() if k != "rooms"}}

    @app.get(
        "/availability",
        operation_id="checkAvailability",
        summary="Free rooms and prices for a stay",
        description="For each room type (or one), whether every night from check_in to "
        "check_out is free, the total price, and per night: rooms left, the price (Friday "
        "and Saturday nights cost 20 EUR more) or why it cannot be booked (sold out, "
        "renovation). Prices are per room and night, breakfast not included.",
    )
    def availability(
        check_in: str = Query(
            pattern=r"^\d{4}-\d{2}-\d{2}$", description="Arrival day, YYYY-MM-DD."
        ),
        check_out: str | None = Query(
            None,
            pattern=r"^\d{4}-\d{2}-\d{2}$",
            description="Departure day, YYYY-MM-DD. Default: the day after check_in (1 night).",
        ),
        room_type_id: int | None = Query(None, description="Only this room type, e.g. 5."),
        view: Literal["sea", "garden", "city"] | None = Query(
            None, description="Only room types with this view."
        ),
        guests: int | None = Query(
            None, ge=1, le=10, description="Only room types that sleep at least this many."
        ),
    ) -> dict[str, Any]:
        start = _hotel_date(check_in, "check_in")
        end = _hotel_date(check_out, "check_out") if check_out else start + datetime.timedelta(1)
        if start.isoformat() < HOTEL_DAY:
            raise HTTPException(422, f"check_in {check_in} is in the past (today is {HOTEL_DAY}).")
        if end <= start:
            raise HTTPException(422, "check_out must be after check_in.")
        if (end - start).days > 14:
            raise HTTPException(422, "At most 14 nights per search.")
        if end.isoformat() > HOTEL_RATES_UNTIL:
            raise HTTPException(422, f"Rates are only published until {HOTEL_RATES_UNTIL}.")
        if room_type_id is not None:
            _room_type(room_type_id)
        days = [(start + datetime.timedelta(i)).isoformat() for i in range((end - start).days)]
        result = []
        for n, room in ROOM_TYPES.items():
            if room_type_id is not None and n != room_type_id:
                continue
            if (view and room["view"] != view) or (guests and room["max_guests"] < guests):
                continue
            nights = [_night(n, day) for day in days]
            bookable = all(night["available"] for night in nights)
            result.append(
                {
                    "id": n,
                    "name": room["name"],
                    "view": room["view"],
                    "max_guests": room["max_guests"],
                    "bookable": bookable,
                    "total_eur": sum(night["price_eur"] for night in nights) if bookable else None,
                    "nights": nights,
                }
            )
        return {
            "check_in": start.isoformat(),
            "check_out": end.isoformat(),
            "nights": len(days),
            "room_types": result,
        }

    @app.get(
        "/bookings/{confirmation_code}",
        operation_id="getBooking",
        summary="A booking by its confirmation code",
        description="Status (confirmed, pending_payment or cancelled), guest, room type, "
        "dates, guests, whether breakfast is included, payment (total, paid, amount due and "
        "by when), the city tax paid at the hotel, the cancellation (date, fee, refund) and "
        "until when it can be cancelled for free.",
    )
    def booking(
        confirmation_code: str = Path(description="Confirmation code, e.g. ALB-7Q4K2."),
    ) -> dict[str, Any]:
        key = _confirmation_key(confirmation_code)
        b = HOTEL_BOOKINGS[key]
        room_id = b["room_type_id"]
        return {
            "confirmation_code": key,
            "status": b["status"],
            "guest": b["guest"],
            "room_type": {"id": room_id, "name": ROOM_TYPES[room_id]["name"]},
            **{k: v for k, v in b.items() if k not in ("status", "guest", "room_type_id")},
        }

    @app.get(
        "/facilities/{facility}",
        operation_id="getFacilityHours",
        summary="Opening hours of a hotel facility",
        description="Opening hours per weekday (null: closed all day; the restaurant lists "
        "breakfast, lunch and dinner separately), one-off closures with their dates and "
        "reasons, how to reserve and notes. With a date: whether it is open that day.",
    )
    def facility(
        facility: Literal["restaurant", "spa", "pool", "bar"] = Path(description="The facility."),
        date: str | None = Query(
            None, pattern=r"^\d{4}-\d{2}-\d{2}$", description="A day, YYYY-MM-DD (optional)."
        ),
    ) -> dict[str, Any]:
        f = HOTEL_FACILITIES[facility]
        out: dict[str, Any] = {"facility": facility, **f}
        if date:
            weekday = _weekday(date)
            closure = next((c for c in f["closures"] if c["date"] == date), None)
            hours = f["hours"][weekday]
            out["on_date"] = {
                "date": date,
                "weekday": weekday,
                "open": hours is not None and not (closure and "all day" in closure["reason"]),
                "hours": hours,
                "closure": closure["reason"] if closure else None,
            }
        return out

    @app.get(
        "/policies",
        operation_id="getPolicies",
        summary="House policies",
        description="Check-in and check-out times (early and late, with fees), pets, "
        "children, cancellation terms, deposit, city tax, parking (price, spaces, "
        "reservation), payment methods, smoking and Wi-Fi.",
    )
    def policies() -> dict[str, Any]:
        return {
            "hotel": "Alba Marina Hotel",
            "address": {"street": "Rua do Farol 12", "postcode": "4150-364", "city": "Porto"},
            "phone": "+351 22 555 0190",
            **HOTEL_POLICIES,
        }

    @app.get(
        "/airport-shuttle",
        operation_id="getAirportShuttle",
        summary="Airport shuttle times",
        description="Shuttle bus departures between the hotel and Porto airport on a day "
        "(whether it runs, times from the hotel and from the airport), the weekly schedule, "
        "the price, how to book, and the taxi alternative.",
    )
    def shuttle(
        date: str | None = Query(
            None, pattern=r"^\d{4}-\d{2}-\d{2}$", description="Day, YYYY-MM-DD. Default: today."
        ),
    ) -> dict[str, Any]:
        day = date or HOTEL_DAY
        weekday = _weekday(day)
        note = SHUTTLE_NO_SERVICE.get(day)
        if weekday == "Sunday":
            note = "The shuttle does not run on Sundays."
        runs = note is None
        return {
            "date": day,
            "weekday": weekday,
            "runs": runs,
            "from_hotel": SHUTTLE_TIMES["from_hotel"] if runs else [],
            "from_airport": SHUTTLE_TIMES["from_airport"] if runs else [],
            "note": note,
            "weekly_schedule": {d: None if d == "Sunday" else SHUTTLE_TIMES for d in WEEK},
            "price_eur_per_person": 12.0,
            "children_free_under_age": 4,
            "booking": "Book at reception by 20:00 the day before.",
            "journey_minutes": 25,
            "taxi": "A taxi to the airport costs about 25 EUR and takes 20 minutes; reception "
            "can order one at any time.",
        }

    return app


# ---------------------------------------------------------------------------- energy

ENERGY_DAY = "2026-11-27"
ENERGY_NOW = "10:30"
TARIFFS: dict[str, dict[str, Any]] = {
    "fixed_24": {
        "name": "Fixed 24",
        "type": "fixed",
        "prices": {
            "unit_rates": [{"band": "all day", "from": "00:00", "to": "24:00", "p_per_kwh": 24.5}],
            "standing_charge_p_per_day": 53.35,
        },
        "contract": {"fixed_until": "2027-10-31", "exit_fee_gbp": 50.0},
        "requirements": {"smart_meter": False},
        "open_to_new_customers": False,
        "price_changes": [],
        "note": "Prices fixed for 24 months. Closed to new customers since 2026-10-01.",
    },
    "flex": {
        "name": "Flex Standard",
        "type": "variable",
        "prices": {
            "unit_rates": [{"band": "all day", "from": "00:00", "to": "24:00", "p_per_kwh": 26.12}],
            "standing_charge_p_per_day": 51.2,
        },
        "contract": {"fixed_until": None, "exit_fee_gbp": 0.0},
        "requirements": {"smart_meter": False},
        "open_to_new_customers": True,
        "price_changes": [
            {"from": "2027-01-01", "p_per_kwh": 25.4, "standing_charge_p_per_day": 51.2}
        ],
        "note": "Prices can change with 30 days' notice; leave at any time.",
    },
    "ev_night": {
        "name": "EV Night Saver",
        "type": "variable",
        "prices": {
            "unit_rates": [
                {"band": "night", "from": "00:30", "to": "05:30", "p_per_kwh": 8.5},
                {"band": "day", "from": "05:30", "to": "00:30", "p_per_kwh": 28.9},
            ],
            "standing_charge_p_per_day": 55.1,
        },
        "contract": {"fixed_until": None, "exit_fee_gbp": 0.0},
        "requirements": {"smart_meter": True},
        "open_to_new_customers": True,
        "price_changes": [],
        "note": "All electricity used in the night band is charged at the night rate, every "
        "day of the week.",
    },
    "peak_saver": {
        "name": "Peak Saver",
        "type": "variable",
        "prices": {
            "unit_rates": [
                {"band": "off-peak", "from": "19:00", "to": "16:00", "p_per_kwh": 23.1},
                {"band": "peak", "from": "16:00", "to": "19:00", "p_per_kwh": 38.4},
            ],
            "standing_charge_p_per_day": 51.2,
        },
        "contract": {"fixed_until": None, "exit_fee_gbp": 0.0},
        "requirements": {"smart_meter": True},
        "open_to_new_customers": True,
        "price_changes": [],
        "note": "The peak band applies Monday to Friday; weekends are off-peak all day.",
    },
}
ENERGY_ACCOUNTS: dict[str, dict[str, Any]] = {
    "NP-4091-7263": {
        "holder": "Priya Shah",
        "supply_address": {"line1": "14 Hawthorn Road", "city": "Leeds", "postcode": "LS6 2QT"},
        "customer_since": "2021-03-15",
        "plan": "fixed_24",
        "meter": {
            "serial": "19L3328405",
            "type": "smart",
            "smart": True,
            "readings": "sent automatically by the meter each month",
            "next_reading_due": None,
        },
        "payment": {
            "method": "direct_debit",
            "direct_debit": {
                "active": True,
                "collects": "each invoice in full",
                "day_of_month": 15,
                "bank_account": "ending 2291",
            },
        },
        "smart_meter_installation": None,
        "paperless": True,
    },
    "NP-5530-1184": {
        "holder": "Tom Okafor",
        "supply_address": {
            "line1": "Flat 3, 22 Mill Lane",
            "city": "Leeds",
            "postcode": "LS11 5DN",
        },
        "customer_since": "2024-08-01",
        "plan": "flex",
        "meter": {
            "serial": "K08D114772",
            "type": "standard",
            "smart": False,
            "readings": "sent by the customer (online or by phone); missing months are estimated",
            "next_reading_due": "2026-11-30",
        },
        "payment": {"method": "card or bank transfer", "direct_debit": None},
        "smart_meter_installation": {"eligible": True, "free": True, "next_slot": "2026-12-09"},
        "paperless": False,
    },
}
# Monthly meter readings: (month, read on, cumulative kWh or None, usage kWh or None, type, note).
METER_READINGS: dict[str, list[tuple[str, str | None, int | None, int | None, str, str | None]]] = {
    "NP-4091-7263": [
        ("2026-05", "2026-05-31", 18240, 205, "actual", None),
        ("2026-06", "2026-06-30", 18431, 191, "actual", None),
        ("2026-07", "2026-07-31", 18610, 179, "actual", None),
        (
            "2026-08",
            None,
            None,
            None,
            "missing",
            "No reading: the smart meter did not send data (communications fault, fixed on "
            "2026-09-03). August was billed on an estimate of 190 kWh.",
        ),
        (
            "2026-09",
            "2026-09-30",
            18992,
            382,
            "actual",
            "Usage since the last reading (July): covers August and September.",
        ),
        (
            "2026-10",
            "2026-10-31",
            19240,
            248,
            "estimated",
            "Estimated: the meter did not send a reading. Submit a reading to replace the "
            "estimate.",
        ),
    ],
    "NP-5530-1184": [
        ("2026-05", "2026-05-31", 7210, 205, "actual", "Submitted by the customer."),
        ("2026-06", "2026-06-30", 7421, 211, "actual", "Submitted by the customer."),
        ("2026-07", "2026-07-31", 7630, 209, "estimated", "No reading submitted."),
        ("2026-08", "2026-08-31", 7840, 210, "estimated", "No reading submitted."),
        ("2026-09", "2026-09-30", 8051, 211, "actual", "Submitted by the customer."),
        ("2026-10", "2026-10-31", 8262, 211, "estimated", "No reading submitted."),
    ],
}
INVOICES: dict[int, dict[str, Any]] = {
    49402: {
        "account": "NP-4091-7263",
        "period": ("2026-07-01", "2026-07-31"),
        "kwh": 179,
        "reading_type": "actual",
        "issued": "2026-08-05",
        "due_date": "2026-09-15",
        "payments": [{"date": "2026-09-15", "amount_gbp": 63.42, "method": "direct debit"}],
        "reminders": [],
        "note": None,
    },
    49871: {
        "account": "NP-4091-7263",
        "period": ("2026-08-01", "2026-08-31"),
        "kwh": 190,
        "reading_type": "estimated",
        "issued": "2026-09-05",
        "due_date": "2026-10-15",
        "payments": [{"date": "2026-10-15", "amount_gbp": 66.24, "method": "direct debit"}],
        "reminders": [],
        "note": "Based on an estimate: no meter reading was received for August.",
    },
    50218: {
        "account": "NP-4091-7263",
        "period": ("2026-09-01", "2026-09-30"),
        "kwh": 192,
        "reading_type": "actual",
        "issued": "2026-10-05",
        "due_date": "2026-11-15",
        "payments": [{"date": "2026-11-16", "amount_gbp": 66.2, "method": "direct debit"}],
        "reminders": [],
        "note": "382 kWh used since the July reading, less the 190 kWh estimated for August.",
    },
    50764: {
        "account": "NP-4091-7263",
        "period": ("2026-10-01", "2026-10-31"),
        "kwh": 248,
        "reading_type": "estimated",
        "issued": "2026-11-05",
        "due_date": "2026-12-15",
        "payments": [],
        "reminders": [],
        "note": "Based on an estimate. Will be collected by direct debit on 2026-12-15.",
    },
    48010: {
        "account": "NP-5530-1184",
        "period": ("2026-04-01", "2026-06-30"),
        "kwh": 640,
        "reading_type": "actual",
        "issued": "2026-07-06",
        "due_date": "2026-07-31",
        "payments": [{"date": "2026-07-28", "amount_gbp": 224.45, "method": "card"}],
        "reminders": [],
        "note": None,
    },
    49120: {
        "account": "NP-5530-1184",
        "period": ("2026-07-01", "2026-09-30"),
        "kwh": 630,
        "reading_type": "actual",
        "issued": "2026-10-06",
        "due_date": "2026-10-31",
        "payments": [{"date": "2026-11-05", "amount_gbp": 100.0, "method": "card"}],
        "reminders": ["2026-11-10"],
        "note": "Overdue since 2026-10-31. Pay the rest online or by phone, or ask for a "
        "payment plan.",
    },
}
OUTAGES: list[dict[str, Any]] = [
    {
        "id": 7781,
        "district": "LS6",
        "type": "unplanned",
        "status": "ongoing",
        "start": "2026-11-27T07:40",
        "end": None,
        "estimated_restore": "2026-11-27T13:00",
        "area": "Hawthorn Road, Cliff Road and part of Headingley Lane",
        "homes_affected": 214,
        "cause": "Underground cable fault; engineers on site since 08:55.",
    },
    {
        "id": 7769,
        "district": "LS6",
        "type": "unplanned",
        "status": "resolved",
        "start": "2026-11-25T18:05",
        "end": "2026-11-25T21:30",
        "estimated_restore": None,
        "area": "Kirkstall Lane",
        "homes_affected": 58,
        "cause": "Storm damage to an overhead line.",
    },
    {
        "id": 7790,
        "district": "LS11",
        "type": "planned",
        "status": "scheduled",
        "start": "2026-12-02T09:00",
        "end": "2026-12-02T15:00",
        "estimated_restore": None,
        "area": "Mill Lane and Beeston Road",
        "homes_affected": 96,
        "cause": "Substation maintenance. Affected homes have been sent a letter.",
    },
    {
        "id": 7802,
        "district": "LS1",
        "type": "planned",
        "status": "scheduled",
        "start": "2026-12-10T08:30",
        "end": "2026-12-10T12:30",
        "estimated_restore": None,
        "area": "Park Row",
        "homes_affected": 12,
        "cause": "Replacing a street cabinet.",
    },
]


def _pence(amount: Decimal) -> float:
    return float(amount.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


def _account_key(account_number: str) -> str:
    """An account number as printed ("NP-4091-7263"), also as "np40917263" or "NP 4091 7263"."""
    wanted = "".join(c for c in account_number.upper() if c.isalnum())
    for key in ENERGY_ACCOUNTS:
        if key.replace("-", "") == wanted:
            return key
    raise HTTPException(
        404, f"No account with number {account_number}. It is on every bill, like NP-4091-7263."
    )


def _invoice(invoice_number: int) -> dict[str, Any]:
    """An invoice with its lines, VAT, payments and what is still due."""
    inv = INVOICES.get(invoice_number)
    if inv is None:
        raise HTTPException(404, f"No invoice {invoice_number}.")
    plan = TARIFFS[ENERGY_ACCOUNTS[inv["account"]]["plan"]]
    rate = Decimal(str(plan["prices"]["unit_rates"][0]["p_per_kwh"]))
    standing = Decimal(str(plan["prices"]["standing_charge_p_per_day"]))
    start, end = (datetime.date.fromisoformat(d) for d in inv["period"])
    days = (end - start).days + 1
    energy = _pence(inv["kwh"] * rate / 100)
    daily = _pence(days * standing / 100)
    subtotal = _pence(Decimal(str(energy)) + Decimal(str(daily)))
    vat = _pence(Decimal(str(subtotal)) * Decimal("0.05"))
    total = _pence(Decimal(str(subtotal)) + Decimal(str(vat)))
    paid = _pence(sum((Decimal(str(p["amount_gbp"])) for p in inv["payments"]), Decimal(0)))
    due = _pence(Decimal(str(total)) - Decimal(str(paid)))
    if due == 0:
        status = "paid"
    elif inv["due_date"] < ENERGY_DAY:
        status = "overdue"
    else:
        status = "unpaid"
    return {
        "invoice_number": invoice_number,
        "account_number": inv["account"],
        "period": {"from": inv["period"][0], "to": inv["period"][1]},
        "issued": inv["issued"],
        "due_date": inv["due_date"],
        "status": status,
        "reading_type": inv["reading_type"],
        "lines": [
            {
                "description": f"Electricity, {inv['kwh']} kWh at {rate}p per kWh",
                "kwh": inv["kwh"],
                "unit_rate_p": float(rate),
                "amount_gbp": energy,
            },
            {
                "description": f"Standing charge, {days} days at {standing}p per day",
                "days": days,
                "p_per_day": float(standing),
                "amount_gbp": daily,
            },
        ],
        "subtotal_gbp": subtotal,
        "vat": {"percent": 5, "amount_gbp": vat},
        "total_gbp": total,
        "payments": inv["payments"],
        "amount_due_gbp": due,
        "reminders_sent": inv["reminders"],
        "note": inv["note"],
    }


def _postcode(postcode: str) -> tuple[str, str]:
    """A UK postcode ("LS6 2QT", "ls62qt") or district ("LS6"): the tidy form and district."""
    text = "".join(c for c in postcode.upper() if c.isalnum())
    district = text[:-3] if len(text) >= 5 else text
    if not re.fullmatch(r"[A-Z]{1,2}\d[A-Z\d]?", district):
        raise HTTPException(422, f"{postcode} is not a UK postcode (like LS6 2QT) or district.")
    tidy = f"{district} {text[-3:]}" if len(text) >= 5 else district
    return tidy, district


def create_energy_app(server_url: str) -> FastAPI:
    app = FastAPI(
        title="Northfield Power Customer API",
        version="1.7.0",
        description="Accounts, meter readings, invoices, tariffs and power cuts of Northfield "
        "Power, an electricity supplier in Yorkshire. Amounts in GBP, unit rates in pence.",
        servers=[{"url": server_url}],
    )

    @app.get(
        "/accounts/{account_number}",
        operation_id="getAccount",
        summary="A customer account",
        description="Account holder, supply address, tariff plan (code and name; prices are "
        "in getTariffs), the meter (smart or standard, who sends the readings, when the next "
        "reading is due), how the account pays (direct debit with its day, or not), a free "
        "smart meter installation if eligible, and the balance still to pay. Which bills are "
        "paid, not due yet or overdue is in listInvoices.",
    )
    def account(
        account_number: str = Path(description="Account number from a bill, e.g. NP-4091-7263."),
    ) -> dict[str, Any]:
        key = _account_key(account_number)
        a = ENERGY_ACCOUNTS[key]
        invoices = [_invoice(n) for n, inv in INVOICES.items() if inv["account"] == key]
        return {
            "account_number": key,
            "holder": a["holder"],
            "supply_address": a["supply_address"],
            "customer_since": a["customer_since"],
            "tariff": {"plan": a["plan"], "name": TARIFFS[a["plan"]]["name"]},
            "meter": a["meter"],
            "payment": a["payment"],
            "balance": {
                "amount_due_gbp": _pence(
                    sum((Decimal(str(i["amount_due_gbp"])) for i in invoices), Decimal(0))
                ),
                "as_of": ENERGY_DAY,
            },
            "smart_meter_installation": a["smart_meter_installation"],
            "paperless": a["paperless"],
        }

    @app.get(
        "/accounts/{account_number}/readings",
        operation_id="listMeterReadings",
        summary="Monthly meter readings",
        description="One row per month: the day read, the meter reading and the kWh used "
        "since the previous reading, and whether it was actual, estimated or missing (with "
        "a note saying why). Default: the last 6 months.",
    )
    def readings(
        account_number: str = Path(description="Account number from a bill, e.g. NP-4091-7263."),
        from_month: str | None = Query(
            None, pattern=r"^\d{4}-\d{2}$", description="First month, YYYY-MM."
        ),
        to_month: str | None = Query(
            None, pattern=r"^\d{4}-\d{2}$", description="Last month, YYYY-MM."
        ),
    ) -> dict[str, Any]:
        key = _account_key(account_number)
        rows = [
            {
                "month": month,
                "read_on": read_on,
                "reading_kwh": reading,
                "usage_kwh": usage,
                "type": kind,
                "note": note,
            }
            for month, read_on, reading, usage, kind, note in METER_READINGS[key]
            if (from_month is None or month >= from_month)
            and (to_month is None or month <= to_month)
        ]
        meter = ENERGY_ACCOUNTS[key]["meter"]
        return {
            "account_number": key,
            "meter": {"serial": meter["serial"], "type": meter["type"]},
            "unit": "kWh",
            "readings": rows,
            "next_reading_due": meter["next_reading_due"] or "2026-11-30 (sent by the meter)",
        }

    @app.get(
        "/accounts/{account_number}/invoices",
        operation_id="listInvoices",
        summary="Invoices of an account, newest first",
        description="Invoice number, period, total, amount still due, status (paid; unpaid: "
        "not due yet; overdue) and due date. Lines, VAT and payments are in getInvoice.",
    )
    def invoices(
        account_number: str = Path(description="Account number from a bill, e.g. NP-4091-7263."),
        status: Literal["paid", "unpaid", "overdue"] | None = Query(
            None, description="Only invoices with this status."
        ),
    ) -> dict[str, Any]:
        key = _account_key(account_number)
        rows = sorted(
            (_invoice(n) for n, inv in INVOICES.items() if inv["account"] == key),
            key=lambda i: i["period"]["from"],
            reverse=True,
        )
        rows = [i for i in rows if status is None or i["status"] == status]
        return {
            "account_number": key,
            "total": len(rows),
            "invoices": [
                {
                    k: i[k]
                    for k in (
                        "invoice_number",
                        "period",
                        "total_gbp",
                        "amount_due_gbp",
                        "status",
                        "due_date",
                    )
                }
                for i in rows
            ],
        }

    @app.get(
        "/invoices/{invoice_number}",
        operation_id="getInvoice",
        summary="An invoice in detail",
        description="The period, whether it used an actual or estimated reading, the lines "
        "(electricity in kWh at the unit rate; standing charge per day), subtotal, VAT, "
        "total, payments received, the amount still due, status, due date and reminders.",
    )
    def invoice(
        invoice_number: int = Path(description="Invoice number, e.g. 50218."),
    ) -> dict[str, Any]:
        return _invoice(invoice_number)

    @app.get(
        "/outages",
        operation_id="listOutages",
        summary="Power cuts near a postcode",
        description="Power cuts in the postcode's district: ongoing and resolved unplanned "
        "ones from the last 7 days and upcoming planned ones, with start, end or estimated "
        "restore time, the streets affected, the number of homes and the cause.",
    )
    def outages(
        postcode: str = Query(description="UK postcode, e.g. LS6 2QT, or a district, e.g. LS6."),
        type: Literal["planned", "unplanned"] | None = Query(
            None, description="Only planned (maintenance) or unplanned (faults) power cuts."
        ),
    ) -> dict[str, Any]:
        tidy, district = _postcode(postcode)
        hits = [
            o for o in OUTAGES if o["district"] == district and (type is None or o["type"] == type)
        ]
        return {
            "postcode": tidy,
            "district": district,
            "as_of": f"{ENERGY_DAY}T{ENERGY_NOW}",
            "total": len(hits),
            "outages": hits,
            "message": None if hits else f"No power cuts reported or planned in {district}.",
            "report_a_power_cut": "Call 105 (free, 24 hours).",
        }

    @app.get(
        "/tariffs",
        operation_id="getTariffs",
        summary="Tariff plans and prices",
        description="Each plan (or one): name, fixed or variable, unit rates in pence per kWh "
        "by time band, the standing charge in pence per day, the contract end and exit fee, "
        "whether a smart meter is required, whether new customers can join, and announced "
        "price changes. Prices exclude 5% VAT.",
    )
    def tariffs(
        plan: Literal["fixed_24", "flex", "ev_night", "peak_saver"] | None = Query(
            None, description="Only this plan."
        ),
    ) -> dict[str, Any]:
        wanted = [plan] if plan else list(TARIFFS)
        return {
            "vat_percent": 5,
            "prices_include_vat": False,
            "plans": [{"plan": p, **TARIFFS[p]} for p in wanted],
        }

    return app


# ---------------------------------------------------------------------------- gym

GYM_DAY = "2026-11-27"
GYM_TIMETABLE_UNTIL = "2026-12-10"
GYM_CLUBS: dict[str, dict[str, Any]] = {
    "centrum": {
        "name": "Granite Mill Centrum",
        "address": {"street": "Catharijnesingel 40", "postcode": "3511 GC", "city": "Utrecht"},
        "phone": "+31 30 555 0140",
        "facilities": {
            "gym_floor": True,
            "studios": ["Studio 1 (yoga)", "Studio 2 (spin)", "Strength zone"],
            "pool": {"length_m": 25, "lanes": 4},
            "sauna": True,
            "parking": None,
            "childcare": False,
        },
        "hours": {
            **{day: {"open": "06:00", "close": "23:00"} for day in WEEK[:5]},
            "Saturday": {"open": "08:00", "close": "20:00"},
            "Sunday": {"open": "08:00", "close": "18:00"},
        },
        "staffed_hours": "Reception is staffed Monday to Friday 07:00-21:00, weekends 09:00-17:00.",
        "notes": "No parking at the club; use the Hoog Catharijne garage (2 hours free with "
        "your membership card).",
    },
    "oost": {
        "name": "Granite Mill Oost",
        "address": {"street": "Heidelberglaan 7", "postcode": "3584 CS", "city": "Utrecht"},
        "phone": "+31 30 555 0177",
        "facilities": {
            "gym_floor": True,
            "studios": ["Spin studio", "Strength zone"],
            "pool": None,
            "sauna": False,
            "parking": {"spaces": 40, "free": True},
            "childcare": False,
        },
        "hours": {
            **{day: {"open": "06:30", "close": "22:00"} for day in WEEK[:5]},
            "Saturday": {"open": "09:00", "close": "17:00"},
            "Sunday": None,
        },
        "staffed_hours": "Reception is staffed during all opening hours.",
        "notes": "On the Utrecht Science Park campus. Closed on Sundays.",
    },
    "leidsche-rijn": {
        "name": "Granite Mill Leidsche Rijn",
        "address": {"street": "Berlijnplein 15", "postcode": "3541 CM", "city": "Utrecht"},
        "phone": "+31 30 555 0193",
        "facilities": {
            "gym_floor": True,
            "studios": ["Studio 1 (yoga)", "Strength zone"],
            "pool": {"length_m": 25, "lanes": 6},
            "sauna": True,
            "parking": {"spaces": 85, "free": True},
            "childcare": True,
        },
        "hours": {
            **{day: {"open": "07:00", "close": "22:30"} for day in WEEK[:5]},
            "Saturday": {"open": "08:00", "close": "19:00"},
            "Sunday": {"open": "08:00", "close": "19:00"},
        },
        "staffed_hours": "Reception is staffed during all opening hours.",
        "notes": "Childcare (ages 1-6) Monday to Saturday 09:00-12:00, 4.50 EUR per visit.",
    },
}
# One-off days per club (all clubs: "*"): closed all day (hours None) or shorter hours.
GYM_CLOSURES: list[dict[str, Any]] = [
    {"club": "*", "date": "2026-12-25", "hours": None, "reason": "Christmas Day: closed."},
    {
        "club": "*",
        "date": "2026-12-26",
        "hours": {"open": "10:00", "close": "16:00"},
        "reason": "Boxing Day: shorter hours.",
    },
    {
        "club": "*",
        "date": "2026-12-31",
        "hours": {"open": "07:00", "close": "17:00"},
        "reason": "New Year's Eve: closes at 17:00.",
    },
    {"club": "*", "date": "2027-01-01", "hours": None, "reason": "New Year's Day: closed."},
]
GYM_TRAINERS: dict[int, dict[str, Any]] = {
    11: {
        "name": "Sanne Vermeulen",
        "class_types": ["yoga"],
        "specialties": ["vinyasa and yin yoga", "pilates", "mobility for desk workers"],
        "clubs": ["centrum", "leidsche-rijn"],
        "languages": ["Dutch", "English"],
        "certifications": ["RYT-500 yoga teacher", "Pilates mat instructor"],
        "with_us_since": 2019,
        "personal_training": {
            "offered": True,
            "price_eur_per_session": 55.0,
            "session_minutes": 60,
            "ten_session_pack_eur": 495.0,
            "accepting_new_clients": True,
        },
    },
    14: {
        "name": "Bram Koster",
        "class_types": ["strength"],
        "specialties": [
            "strength training",
            "powerlifting",
            "rehab after knee and shoulder injuries",
        ],
        "clubs": ["centrum", "oost"],
        "languages": ["Dutch", "English", "German"],
        "certifications": ["NASM Certified Personal Trainer", "Sports massage therapist"],
        "with_us_since": 2016,
        "personal_training": {
            "offered": True,
            "price_eur_per_session": 60.0,
            "session_minutes": 60,
            "ten_session_pack_eur": 550.0,
            "accepting_new_clients": False,
            "note": "No new personal training clients until 2027-01-15.",
        },
    },
    17: {
        "name": "Lotte Janssen",
        "class_types": ["spin"],
        "specialties": ["indoor cycling", "HIIT", "heart-rate zone training"],
        "clubs": ["centrum"],
        "languages": ["Dutch", "English"],
        "certifications": ["Schwinn Certified Indoor Cycling Instructor", "EREPS Level 4"],
        "with_us_since": 2021,
        "personal_training": None,
    },
    22: {
        "name": "Marco Rossi",
        "class_types": ["swim"],
        "specialties": ["front crawl technique", "aqua fitness", "triathlon swimming"],
        "clubs": ["leidsche-rijn"],
        "languages": ["Italian", "English", "Dutch"],
        "certifications": ["KNZB swimming teacher", "Lifeguard (NRB)"],
        "with_us_since": 2022,
        "personal_training": {
            "offered": True,
            "price_eur_per_session": 50.0,
            "session_minutes": 45,
            "ten_session_pack_eur": None,
            "accepting_new_clients": True,
        },
    },
    25: {
        "name": "Emma de Wit",
        "class_types": ["spin", "strength"],
        "specialties": ["spin", "circuit training", "beginners"],
        "clubs": ["oost"],
        "languages": ["Dutch"],
        "certifications": ["EREPS Level 3 fitness instructor"],
        "with_us_since": 2024,
        "personal_training": None,
    },
}
# The weekly timetable: (start, end, type, name, club, trainer id, capacity, usual spots left).
GYM_WEEK: dict[str, list[tuple[str, str, str, str, str, int, int, int]]] = {
    "Monday": [
        ("07:00", "07:45", "strength", "Barbell Basics", "centrum", 14, 12, 6),
        ("12:15", "13:00", "yoga", "Lunchtime Flow", "centrum", 11, 20, 9),
        ("18:30", "19:15", "strength", "Kettlebell Circuit", "centrum", 14, 14, 2),
        ("19:00", "19:45", "spin", "Spin 45", "oost", 25, 18, 5),
        ("19:30", "20:15", "swim", "Technique Swim", "leidsche-rijn", 22, 10, 3),
    ],
    "Tuesday": [
        ("07:00", "07:45", "spin", "Sunrise Spin", "oost", 25, 18, 7),
        ("12:15", "13:00", "strength", "Core & Strength", "oost", 14, 14, 4),
        ("18:00", "19:00", "yoga", "Vinyasa Yoga", "leidsche-rijn", 11, 22, 8),
        ("19:00", "19:45", "spin", "Spin Intervals", "centrum", 17, 24, 5),
    ],
    "Wednesday": [
        ("07:00", "07:45", "swim", "Early Lanes Coaching", "leidsche-rijn", 22, 10, 4),
        ("12:15", "12:45", "spin", "Lunch Spin 30", "centrum", 17, 24, 10),
        ("18:30", "19:15", "strength", "Barbell Basics", "oost", 25, 12, 3),
        ("19:30", "20:30", "yoga", "Yin Yoga", "centrum", 11, 20, 6),
    ],
    "Thursday": [
        ("07:00", "07:45", "strength", "Kettlebell Circuit", "centrum", 14, 14, 5),
        ("18:00", "18:45", "spin", "Spin 45", "centrum", 17, 24, 9),
        ("19:00", "19:45", "swim", "Aqua Fit", "leidsche-rijn", 22, 16, 7),
        ("19:30", "20:30", "yoga", "Slow Flow", "leidsche-rijn", 11, 22, 11),
    ],
    "Friday": [
        ("07:00", "07:45", "spin", "Sunrise Spin", "centrum", 17, 24, 6),
        ("12:15", "13:00", "yoga", "Lunchtime Flow", "centrum", 11, 20, 3),
        ("17:30", "18:15", "strength", "Friday Pump", "oost", 25, 16, 8),
        ("18:00", "18:45", "swim", "Technique Swim", "leidsche-rijn", 22, 10, 1),
    ],
    "Saturday": [
        ("09:00", "09:45", "spin", "Weekend Spin", "centrum", 17, 24, 10),
        ("10:30", "11:30", "yoga", "Weekend Vinyasa", "centrum", 11, 20, 2),
        ("11:00", "11:45", "swim", "Technique Swim", "leidsche-rijn", 22, 10, 5),
        ("12:00", "12:45", "strength", "Barbell Basics", "oost", 25, 12, 4),
        ("16:00", "16:45", "spin", "Spin 45", "oost", 25, 18, 8),
    ],
    "Sunday": [
        ("10:00", "11:00", "yoga", "Sunday Slow Flow", "leidsche-rijn", 11, 22, 7),
        ("11:00", "11:45", "spin", "Sunday Spin", "centrum", 17, 24, 12),
        ("12:00", "12:45", "swim", "Aqua Fit", "leidsche-rijn", 22, 16, 6),
    ],
}
# Dated changes to the weekly timetable, by (date, start, club).
GYM_CLASS_CHANGES: dict[tuple[str, str, str], dict[str, Any]] = {
    ("2026-11-28", "09:00", "centrum"): {
        "status": "cancelled",
        "reason": "The instructor is ill and no replacement was found. Everyone booked has "
        "been notified; class credits are returned.",
    },
    ("2026-11-28", "10:30", "centrum"): {"spots_left": 0, "waitlist": 4},
    ("2026-12-02", "19:30", "centrum"): {"spots_left": 0, "waitlist": 1},
}
GYM_PLANS: dict[str, dict[str, Any]] = {
    "basic": {
        "name": "Basic",
        "prices_per_month_eur": {"contract_12_months": 24.95, "monthly_cancellable": 29.95},
        "joining_fee_eur": 19.95,
        "includes": {
            "clubs": "home club only",
            "gym_floor": True,
            "group_classes": {
                "included": True,
                "class_types": ["spin", "strength"],
                "bookings_per_week": 2,
            },
            "pool": False,
            "sauna": False,
            "guest_passes_per_month": 0,
            "personal_training_sessions_per_month": 0,
        },
        "off_peak_only": False,
    },
    "plus": {
        "name": "Plus",
        "prices_per_month_eur": {"contract_12_months": 39.95, "monthly_cancellable": 46.95},
        "joining_fee_eur": 19.95,
        "includes": {
            "clubs": "all clubs",
            "gym_floor": True,
            "group_classes": {
                "included": True,
                "class_types": ["yoga", "spin", "strength"],
                "bookings_per_week": None,
            },
            "pool": True,
            "sauna": False,
            "guest_passes_per_month": 1,
            "personal_training_sessions_per_month": 0,
        },
        "off_peak_only": False,
    },
    "premium": {
        "name": "Premium",
        "prices_per_month_eur": {"contract_12_months": 54.95, "monthly_cancellable": 62.95},
        "joining_fee_eur": 0.0,
        "includes": {
            "clubs": "all clubs",
            "gym_floor": True,
            "group_classes": {
                "included": True,
                "class_types": ["yoga", "spin", "strength", "swim"],
                "bookings_per_week": None,
            },
            "pool": True,
            "sauna": True,
            "guest_passes_per_month": 2,
            "personal_training_sessions_per_month": 1,
            "towel_service": True,
        },
        "off_peak_only": False,
    },
}
GYM_MEMBERS: dict[str, dict[str, Any]] = {
    "GM-20417": {
        "name": "Daan Visser",
        "status": "active",
        "plan": "basic",
        "home_club": "centrum",
        "member_since": "2026-03-01",
        "contract": {"type": "12 months", "start": "2026-03-01", "end": "2027-02-28"},
        "next_payment": {"date": "2026-12-01", "amount_eur": 24.95},
        "access": {
            "clubs": ["centrum"],
            "class_types": ["spin", "strength"],
            "class_bookings_per_week": 2,
            "pool": False,
            "sauna": False,
        },
        "not_included": [
            "the Oost and Leidsche Rijn clubs",
            "yoga and swim classes",
            "the pool",
            "the sauna",
        ],
        "freeze": None,
        "expired_on": None,
        "note": "Upgrade to Plus or Premium in the app for all clubs and the pool.",
    },
    "GM-18833": {
        "name": "Fleur de Jong",
        "status": "frozen",
        "plan": "plus",
        "home_club": "oost",
        "member_since": "2023-09-15",
        "contract": {"type": "monthly", "start": "2023-09-15", "end": None},
        "next_payment": {"date": "2027-01-01", "amount_eur": 46.95},
        "access": None,
        "not_included": [],
        "freeze": {
            "from": "2026-10-12",
            "until": "2026-12-31",
            "reason": "medical (knee surgery)",
            "fee_eur_per_month": 0.0,
        },
        "expired_on": None,
        "note": "Frozen: no club access and no class bookings until the freeze ends. Access "
        "returns on 2027-01-01. To end the freeze early, ask at reception.",
    },
    "GM-15502": {
        "name": "Ruben Bakker",
        "status": "expired",
        "plan": "premium",
        "home_club": "leidsche-rijn",
        "member_since": "2024-11-01",
        "contract": {"type": "24 months", "start": "2024-11-01", "end": "2026-10-31"},
        "next_payment": None,
        "access": None,
        "not_included": [],
        "freeze": None,
        "expired_on": "2026-10-31",
        "note": "The membership ended on 2026-10-31 and was not renewed. Rejoin in the app or "
        "at reception; former members pay no joining fee until 2026-12-31.",
    },
    "GM-21190": {
        "name": "Noor El Amrani",
        "status": "active",
        "plan": "premium",
        "home_club": "leidsche-rijn",
        "member_since": "2025-06-01",
        "contract": {"type": "12 months", "start": "2026-06-01", "end": "2027-05-31"},
        "next_payment": {"date": "2026-12-01", "amount_eur": 54.95},
        "access": {
            "clubs": ["centrum", "oost", "leidsche-rijn"],
            "class_types": ["yoga", "spin", "strength", "swim"],
            "class_bookings_per_week": None,
            "pool": True,
            "sauna": True,
        },
        "not_included": [],
        "freeze": None,
        "expired_on": None,
        "note": None,
    },
}
GYM_BOOKINGS: dict[str, dict[str, Any]] = {
    "BKG-7TQ2": {
        "member_number": "GM-20417",
        "class": ("2026-11-30", "18:30", "centrum"),
        "status": "booked",
        "booked_on": "2026-11-24T20:41",
        "waitlist_position": None,
        "free_cancellation_until": "2026-11-30T16:30",
        "note": None,
    },
    "BKG-4M9X": {
        "member_number": "GM-21190",
        "class": ("2026-11-28", "10:30", "centrum"),
        "status": "waitlisted",
        "booked_on": "2026-11-26T07:12",
        "waitlist_position": 2,
        "free_cancellation_until": None,
        "note": "The class is full. If a place opens, the first person on the waitlist gets "
        "it automatically (until 2 hours before the class) and is told by e-mail and in the app.",
    },
    "BKG-2HD5": {
        "member_number": "GM-20417",
        "class": ("2026-11-28", "09:00", "centrum"),
        "status": "cancelled_by_club",
        "booked_on": "2026-11-21T18:03",
        "waitlist_position": None,
        "free_cancellation_until": None,
        "note": "The class was cancelled (instructor ill); your class credit has been returned.",
    },
}


def _gym_session(day: str, slot: tuple[str, str, str, str, str, int, int, int]) -> dict[str, Any]:
    start, end, kind, name, club, trainer_id, capacity, spots = slot
    change = GYM_CLASS_CHANGES.get((day, start, club), {})
    cancelled = change.get("status") == "cancelled"
    spots = 0 if cancelled else change.get("spots_left", spots)
    return {
        "date": day,
        "weekday": _weekday(day),
        "start": start,
        "end": end,
        "name": name,
        "type": kind,
        "club": club,
        "trainer": {"id": trainer_id, "name": GYM_TRAINERS[trainer_id]["name"]},
        "status": "cancelled" if cancelled else "scheduled",
        "cancellation_reason": change.get("reason"),
        "capacity": capacity,
        "booked": 0 if cancelled else capacity - spots,
        "spots_left": spots,
        "full": not cancelled and spots == 0,
        "waitlist": None if cancelled else change.get("waitlist", 0),
    }


def _gym_slot(day: str, start: str, club: str) -> tuple[str, str, str, str, str, int, int, int]:
    return next(s for s in GYM_WEEK[_weekday(day)] if s[0] == start and s[4] == club)


def _member_key(member_number: str) -> str:
    """A member number as printed ("GM-20417"), also as "gm20417" or "GM 20417"."""
    wanted = "".join(c for c in member_number.upper() if c.isalnum())
    if wanted.isdigit():
        wanted = f"GM{wanted}"
    for key in GYM_MEMBERS:
        if key.replace("-", "") == wanted:
            return key
    raise HTTPException(
        404, f"No member with number {member_number}. It is on the membership card, like GM-20417."
    )


def _gym_booking_key(reference: str) -> str:
    """A booking reference as shown in the app ("BKG-7TQ2"), also as "bkg7tq2"."""
    wanted = "".join(c for c in reference.upper() if c.isalnum())
    for key in GYM_BOOKINGS:
        if key.replace("-", "") == wanted:
            return key
    raise HTTPException(404, f"No class booking with reference {reference}.")


def _gym_trainer(trainer_id: int) -> dict[str, Any]:
    trainer = GYM_TRAINERS.get(trainer_id)
    if trainer is None:
        raise HTTPException(404, f"No trainer with id {trainer_id}. Find ids with listTrainers.")
    return trainer


ClubName = Literal["centrum", "oost", "leidsche-rijn"]
ClassType = Literal["yoga", "spin", "strength", "swim"]


def create_gym_app(server_url: str) -> FastAPI:
    app = FastAPI(
        title="Granite Mill Fitness Member API",
        version="3.0.2",
        description="Group classes, trainers, memberships, class bookings, club opening hours "
        "and membership plans of Granite Mill Fitness, three clubs in Utrecht. Prices in EUR.",
        servers=[{"url": server_url}],
    )

    @app.get(
        "/classes",
        operation_id="listClasses",
        summary="Group classes on a day",
        description="The timetable for a date (or several days from it): start and end time, "
        "class name and type, club, trainer (id and name), capacity, places booked, spots "
        "left, whether it is full, the waitlist length, and whether the class is scheduled "
        "or cancelled (with the reason). Published two weeks ahead.",
    )
    def classes(
        date: str | None = Query(
            None, pattern=r"^\d{4}-\d{2}-\d{2}$", description="Day, YYYY-MM-DD. Default: today."
        ),
        days: int = Query(
            1, ge=1, le=7, description="How many days from date, e.g. 2 for a weekend."
        ),
        type: ClassType | None = Query(None, description="Only classes of this type."),
        club: ClubName | None = Query(None, description="Only classes at this club."),
    ) -> dict[str, Any]:
        start = date or GYM_DAY
        _weekday(start)
        if start < GYM_DAY:
            raise HTTPException(422, f"{start} is in the past (today is {GYM_DAY}).")
        first = datetime.date.fromisoformat(start)
        dates = [(first + datetime.timedelta(i)).isoformat() for i in range(days)]
        if dates[-1] > GYM_TIMETABLE_UNTIL:
            raise HTTPException(
                422, f"The timetable is published until {GYM_TIMETABLE_UNTIL} (two weeks ahead)."
            )
        rows = [
            _gym_session(day, slot)
            for day in dates
            for slot in GYM_WEEK[_weekday(day)]
            if (type is None or slot[2] == type) and (club is None or slot[4] == club)
        ]
        return {
            "from": dates[0],
            "to": dates[-1],
            "total": len(rows),
            "classes": rows,
            "message": None if rows else "No classes match on these days.",
            "booking_rules": "Book in the app up to 7 days ahead; cancel for free until 2 hours "
            "before the class. When a class is full you can join its waitlist.",
        }

    @app.get(
        "/trainers",
        operation_id="listTrainers",
        summary="Find trainers",
        description="Trainers by name, class type or club: id, name, the class types they "
        "teach and their clubs. Specialties, languages, certifications and personal training "
        "prices are in getTrainer.",
    )
    def trainers(
        q: str = Query("", description="Part of the trainer's name, e.g. Sanne. Empty: all."),
        class_type: ClassType | None = Query(None, description="Only trainers teaching this."),
        club: ClubName | None = Query(None, description="Only trainers working at this club."),
    ) -> dict[str, Any]:
        words = [w for w in _fold(q).split() if w not in ("trainer", "coach", "the")]
        hits = [
            n
            for n, t in GYM_TRAINERS.items()
            if (class_type is None or class_type in t["class_types"])
            and (club is None or club in t["clubs"])
            and all(w in _fold(t["name"]) for w in words)
        ]
        return {
            "total": len(hits),
            "trainers": [
                {
                    "id": n,
                    "name": GYM_TRAINERS[n]["name"],
                    "class_types": GYM_TRAINERS[n]["class_types"],
                    "clubs": GYM_TRAINERS[n]["clubs"],
                }
                for n in hits
            ],
        }

    @app.get(
        "/trainers/{trainer_id}",
        operation_id="getTrainer",
        summary="A trainer's profile",
        description="Specialties, class types, clubs, languages, certifications, since when "
        "they work here, and personal training (price per session, length, 10-session pack, "
        "whether they take new clients) or null if they do not offer it.",
    )
    def trainer(trainer_id: int = Path(description="Trainer id, e.g. 11.")) -> dict[str, Any]:
        return {"id": trainer_id, **_gym_trainer(trainer_id)}

    @app.get(
        "/members/{member_number}",
        operation_id="getMembership",
        summary="A membership by member number",
        description="Member name, status (active, frozen or expired), plan, home club, "
        "contract, next payment, what the membership gives access to (clubs, class types, "
        "pool, sauna) and what it does not include, a freeze (from, until, reason) and the "
        "expiry date.",
    )
    def membership(
        member_number: str = Path(description="Member number from the card, e.g. GM-20417."),
    ) -> dict[str, Any]:
        key = _member_key(member_number)
        m = GYM_MEMBERS[key]
        return {
            "member_number": key,
            "name": m["name"],
            "status": m["status"],
            "plan": {"code": m["plan"], "name": GYM_PLANS[m["plan"]]["name"]},
            **{k: v for k, v in m.items() if k not in ("name", "status", "plan")},
            "as_of": GYM_DAY,
        }

    @app.get(
        "/bookings/{booking_reference}",
        operation_id="getClassBooking",
        summary="A class booking",
        description="Status (booked, waitlisted, cancelled_by_member or cancelled_by_club), "
        "the class (date, time, name, club, trainer and whether it still takes place), the "
        "place on the waitlist, and until when it can be cancelled for free.",
    )
    def class_booking(
        booking_reference: str = Path(description="Booking reference from the app, e.g. BKG-7TQ2."),
    ) -> dict[str, Any]:
        key = _gym_booking_key(booking_reference)
        b = GYM_BOOKINGS[key]
        day, start, club = b["class"]
        session = _gym_session(day, _gym_slot(day, start, club))
        return {
            "booking_reference": key,
            "member_number": b["member_number"],
            "status": b["status"],
            "class": session,
            **{k: v for k, v in b.items() if k not in ("member_number", "class", "status")},
        }

    @app.get(
        "/clubs/{club}",
        operation_id="getClub",
        summary="A club: address, facilities and opening hours",
        description="Address, phone, facilities (pool, sauna, parking, childcare), opening "
        "hours per weekday (null: closed that day), holiday closures and shorter hours. With "
        "a date: whether the club is open that day and its hours.",
    )
    def club(
        club: ClubName = Path(description="The club."),
        date: str | None = Query(
            None, pattern=r"^\d{4}-\d{2}-\d{2}$", description="A day, YYYY-MM-DD (optional)."
        ),
    ) -> dict[str, Any]:
        c = GYM_CLUBS[club]
        closures = [
            {k: v for k, v in x.items() if k != "club"}
            for x in GYM_CLOSURES
            if x["club"] in ("*", club)
        ]
        out: dict[str, Any] = {"club": club, **c, "holiday_hours": closures}
        if date:
            weekday = _weekday(date)
            special = next((x for x in closures if x["date"] == date), None)
            hours = special["hours"] if special else c["hours"][weekday]
            out["on_date"] = {
                "date": date,
                "weekday": weekday,
                "open": hours is not None,
                "hours": hours,
                "reason": special["reason"] if special else None,
            }
        return out

    @app.get(
        "/plans",
        operation_id="listPlans",
        summary="Membership plans and prices",
        description="Each plan (or one): monthly price with a 12-month contract and monthly "
        "cancellable, joining fee, and what it includes (clubs, class types, pool, sauna, "
        "guest passes, personal training sessions).",
    )
    def plans(
        plan: Literal["basic", "plus", "premium"] | None = Query(
            None, description="Only this plan."
        ),
    ) -> dict[str, Any]:
        wanted = [plan] if plan else list(GYM_PLANS)
        return {
            "currency": "EUR",
            "plans": [{"code": p, **GYM_PLANS[p]} for p in wanted],
            "freeze_rules": "Freeze for 1 to 3 months with a medical note or for travel; no "
            "fee while frozen.",
            "student_discount_percent": 15,
        }

    return app


# ---------------------------------------------------------------------------- car rental

CAR_DAY = "2026-11-27"
CAR_RATES_UNTIL = "2027-03-31"
CAR_HOLIDAY_HOURS: list[dict[str, Any]] = [
    {
        "date": "2026-12-24",
        "hours": {"open": "08:00", "close": "12:00"},
        "reason": "Christmas Eve: closes at 12:00.",
    },
    {"date": "2026-12-25", "hours": None, "reason": "Christmas Day: closed."},
    {"date": "2026-12-26", "hours": None, "reason": "Boxing Day: closed."},
]
CAR_STATIONS: dict[int, dict[str, Any]] = {
    101: {
        "name": "Munich Airport",
        "city": "Munich",
        "type": "airport",
        "address": {
            "street": "Terminal 2, Car Rental Centre, Level 3",
            "postcode": "85356",
            "city": "Munich-Flughafen",
        },
        "phone": "+49 89 555 01010",
        "open_24h": True,
        "hours": {day: {"open": "00:00", "close": "24:00"} for day in WEEK},
        "holiday_hours": [],
        "key_box_return": None,
        "fleet": {"economy": 14, "compact": 12, "estate": 6, "suv": 5, "electric": 6},
        "notes": "Open 24 hours every day, holidays included. Follow the 'Car Rental' signs.",
    },
    102: {
        "name": "Munich Central Station",
        "city": "Munich",
        "type": "train_station",
        "address": {"street": "Arnulfstraße 9", "postcode": "80335", "city": "Munich"},
        "phone": "+49 89 555 01020",
        "open_24h": False,
        "hours": {
            **{day: {"open": "07:00", "close": "21:00"} for day in WEEK[:5]},
            "Saturday": {"open": "08:00", "close": "18:00"},
            "Sunday": {"open": "09:00", "close": "15:00"},
        },
        "holiday_hours": CAR_HOLIDAY_HOURS,
        "key_box_return": "Return outside opening hours at the key box on car park level -2.",
        "fleet": {"economy": 10, "compact": 8, "estate": 4, "suv": 3, "electric": 2, "van": 2},
        "notes": "The desk is inside the station's north entrance; cars are in the car park "
        "next door, level -2.",
    },
    103: {
        "name": "Munich Schwabing",
        "city": "Munich",
        "type": "city",
        "address": {"street": "Leopoldstraße 118", "postcode": "80802", "city": "Munich"},
        "phone": "+49 89 555 01030",
        "open_24h": False,
        "hours": {
            **{day: {"open": "08:00", "close": "18:00"} for day in WEEK[:5]},
            "Saturday": {"open": "09:00", "close": "13:00"},
            "Sunday": None,
        },
        "holiday_hours": CAR_HOLIDAY_HOURS,
        "key_box_return": "Return outside opening hours at the key box next to the entrance.",
        "fleet": {"economy": 5, "compact": 4, "electric": 2},
        "notes": "Closed on Sundays; no pickups or returns at the desk that day.",
    },
    104: {
        "name": "Augsburg City",
        "city": "Augsburg",
        "type": "city",
        "address": {"street": "Halderstraße 21", "postcode": "86150", "city": "Augsburg"},
        "phone": "+49 821 555 0104",
        "open_24h": False,
        "hours": {
            **{day: {"open": "08:00", "close": "18:00"} for day in WEEK[:5]},
            "Saturday": {"open": "09:00", "close": "12:00"},
            "Sunday": None,
        },
        "holiday_hours": CAR_HOLIDAY_HOURS,
        "key_box_return": None,
        "fleet": {"economy": 6, "compact": 4, "estate": 2, "van": 2},
        "notes": "Returns only during opening hours (no key box).",
    },
    105: {
        "name": "Garmisch-Partenkirchen",
        "city": "Garmisch-Partenkirchen",
        "type": "city",
        "address": {
            "street": "Bahnhofstraße 40",
            "postcode": "82467",
            "city": "Garmisch-Partenkirchen",
        },
        "phone": "+49 8821 555 0105",
        "open_24h": False,
        "hours": {
            **{day: {"open": "08:00", "close": "18:00"} for day in WEEK[:6]},
            "Sunday": {"open": "09:00", "close": "12:00"},
        },
        "holiday_hours": CAR_HOLIDAY_HOURS,
        "key_box_return": "Return outside opening hours at the key box by the door.",
        "fleet": {"economy": 3, "compact": 3, "estate": 2, "suv": 4},
        "notes": "Winter tyres on every car; snow chains on request.",
    },
}
CAR_CATEGORIES: dict[str, dict[str, Any]] = {
    "economy": {
        "name": "Economy",
        "example": "VW Polo or similar",
        "price_per_day_eur": 39.0,
        "features": {
            "seats": 5,
            "doors": 5,
            "transmission": "manual",
            "fuel": "petrol",
            "luggage": {"large_suitcases": 1, "small_bags": 1},
            "electric": None,
            "equipment": {
                "air_conditioning": True,
                "navigation": False,
                "cruise_control": False,
                "four_wheel_drive": False,
                "tow_bar": False,
            },
        },
        "min_driver_age": 19,
        "deposit_eur": 300.0,
    },
    "compact": {
        "name": "Compact automatic",
        "example": "VW Golf or similar",
        "price_per_day_eur": 49.0,
        "features": {
            "seats": 5,
            "doors": 5,
            "transmission": "automatic",
            "fuel": "petrol",
            "luggage": {"large_suitcases": 2, "small_bags": 1},
            "electric": None,
            "equipment": {
                "air_conditioning": True,
                "navigation": True,
                "cruise_control": True,
                "four_wheel_drive": False,
                "tow_bar": False,
            },
        },
        "min_driver_age": 19,
        "deposit_eur": 300.0,
    },
    "estate": {
        "name": "Estate",
        "example": "Skoda Octavia Combi or similar",
        "price_per_day_eur": 62.0,
        "features": {
            "seats": 5,
            "doors": 5,
            "transmission": "automatic",
            "fuel": "diesel",
            "luggage": {"large_suitcases": 3, "small_bags": 2},
            "electric": None,
            "equipment": {
                "air_conditioning": True,
                "navigation": True,
                "cruise_control": True,
                "four_wheel_drive": False,
                "tow_bar": True,
            },
        },
        "min_driver_age": 19,
        "deposit_eur": 500.0,
    },
    "suv": {
        "name": "SUV 4x4",
        "example": "BMW X1 xDrive or similar",
        "price_per_day_eur": 79.0,
        "features": {
            "seats": 5,
            "doors": 5,
            "transmission": "automatic",
            "fuel": "diesel",
            "luggage": {"large_suitcases": 3, "small_bags": 1},
            "electric": None,
            "equipment": {
                "air_conditioning": True,
                "navigation": True,
                "cruise_control": True,
                "four_wheel_drive": True,
                "tow_bar": False,
            },
        },
        "min_driver_age": 21,
        "deposit_eur": 500.0,
    },
    "van": {
        "name": "9-seat van",
        "example": "VW Transporter or similar",
        "price_per_day_eur": 109.0,
        "features": {
            "seats": 9,
            "doors": 4,
            "transmission": "manual",
            "fuel": "diesel",
            "luggage": {"large_suitcases": 4, "small_bags": 2},
            "electric": None,
            "equipment": {
                "air_conditioning": True,
                "navigation": True,
                "cruise_control": True,
                "four_wheel_drive": False,
                "tow_bar": True,
            },
        },
        "min_driver_age": 25,
        "deposit_eur": 800.0,
    },
    "electric": {
        "name": "Electric",
        "example": "Tesla Model 3 or similar",
        "price_per_day_eur": 85.0,
        "features": {
            "seats": 5,
            "doors": 4,
            "transmission": "automatic",
            "fuel": "electric",
            "luggage": {"large_suitcases": 2, "small_bags": 2},
            "electric": {
                "range_km_wltp": 480,
                "winter_range_km": 360,
                "charging": {
                    "ac": "Type 2, 11 kW (cable included)",
                    "dc_fast": "CCS, up to 170 kW",
                },
                "charging_card_included": True,
                "return_min_charge_percent": 70,
            },
            "equipment": {
                "air_conditioning": True,
                "navigation": True,
                "cruise_control": True,
                "four_wheel_drive": False,
                "tow_bar": False,
            },
        },
        "min_driver_age": 21,
        "deposit_eur": 500.0,
    },
}
# Cars left on some days (otherwise the station's whole fleet of the category is free).
CAR_LEFT: dict[tuple[str, int, str], int] = {
    ("2026-11-28", 101, "suv"): 0,
    ("2026-11-29", 101, "suv"): 0,
    ("2026-11-30", 101, "suv"): 0,
    ("2026-11-28", 102, "suv"): 2,
    ("2026-11-29", 102, "suv"): 2,
    ("2026-11-28", 102, "electric"): 1,
    ("2026-11-28", 105, "suv"): 1,
    ("2026-12-05", 102, "van"): 0,
    ("2026-12-06", 102, "van"): 0,
}
CAR_EXTRAS: dict[str, dict[str, Any]] = {
    "child_seat": {
        "name": "Child seat (9-18 kg, about 1-4 years)",
        "price_eur": 8.0,
        "per": "day",
        "max_per_rental_eur": 40.0,
        "not_available_at": [],
        "note": "Reserve in advance; limited stock.",
    },
    "booster_seat": {
        "name": "Booster seat (15-36 kg, about 4-12 years)",
        "price_eur": 6.0,
        "per": "day",
        "max_per_rental_eur": 30.0,
        "not_available_at": [],
        "note": None,
    },
    "snow_chains": {
        "name": "Snow chains",
        "price_eur": 12.0,
        "per": "rental",
        "max_per_rental_eur": 12.0,
        "not_available_at": [104],
        "note": "Not offered at Augsburg City this winter; pick them up at a Munich station or "
        "in Garmisch-Partenkirchen. Winter tyres are fitted to every car anyway.",
    },
    "gps": {
        "name": "Navigation device",
        "price_eur": 7.0,
        "per": "day",
        "max_per_rental_eur": 35.0,
        "not_available_at": [],
        "note": "Compact, estate, SUV, van and electric cars have built-in navigation.",
    },
    "additional_driver": {
        "name": "Additional driver",
        "price_eur": 10.0,
        "per": "day",
        "max_per_rental_eur": 70.0,
        "not_available_at": [],
        "note": "Additional drivers must show their licence at pickup; drivers under 25 also "
        "pay the young driver fee.",
    },
}
CAR_POLICIES: dict[str, Any] = {
    "fuel": {
        "policy": "full to full",
        "refuel_charge_eur_per_litre": 2.95,
        "refuel_service_fee_eur": 25.0,
        "electric": {
            "return_min_charge_percent": 70,
            "charge_eur_per_kwh": 0.59,
            "service_fee_eur": 15.0,
        },
        "prepaid_fuel_option": False,
    },
    "mileage": {
        "included_km_per_day": 300,
        "extra_km_eur": 0.29,
        "vans": {"included_km_per_day": 200, "extra_km_eur": 0.35},
        "unlimited_option": None,
    },
    "cross_border": {
        "allowed_countries": [
            "Austria",
            "Switzerland",
            "Liechtenstein",
            "Italy",
            "France",
            "Netherlands",
            "Belgium",
            "Luxembourg",
            "Denmark",
        ],
        "not_allowed_countries": [
            "Czech Republic",
            "Poland",
            "Slovakia",
            "Hungary",
            "Slovenia",
            "Croatia",
            "United Kingdom",
            "any country not listed as allowed",
        ],
        "fee_eur_per_rental": 29.0,
        "declare_at_pickup": True,
        "notes": "Tell the desk at pickup which countries you will visit. Austria and "
        "Switzerland need a motorway vignette, which is not included. Insurance does not "
        "cover the car in countries that are not allowed.",
    },
    "deposit": {
        "amount_eur_by_category": {code: c["deposit_eur"] for code, c in CAR_CATEGORIES.items()},
        "payment": "blocked on a credit card in the main driver's name at pickup",
        "credit_card_required": True,
        "debit_cards_accepted": False,
        "cash_accepted": False,
        "released": "within 10 days after the car is returned undamaged",
    },
    "age": {
        "minimum_age": 19,
        "minimum_age_by_category": {"suv": 21, "electric": 21, "van": 25},
        "young_driver_fee_eur_per_day": 15.0,
        "young_driver_fee_applies_under_age": 25,
        "licence_held_min_years": 1,
        "van_licence_held_min_years": 3,
    },
    "insurance": {
        "collision_damage_waiver": "included",
        "excess_eur": 950.0,
        "zero_excess_option_eur_per_day": 14.0,
        "theft_protection": "included",
        "glass_and_tyres": "not included; 6 EUR per day",
    },
    "winter": "Winter tyres are fitted to every car from October to April at no charge.",
}
CAR_RESERVATIONS: dict[str, dict[str, Any]] = {
    "RSV-58213": {
        "status": "confirmed",
        "driver": {"name": "Jonas Keller", "age": 34},
        "pickup": {"station_id": 102, "date": "2026-11-28", "time": "10:00"},
        "return": {"station_id": 102, "date": "2026-12-01", "time": "09:00"},
        "category": "compact",
        "extras": [{"code": "child_seat", "quantity": 1, "amount_eur": 24.0}],
        "fees": [],
        "prepaid": False,
        "paid_eur": 0.0,
        "cancellation": None,
        "free_cancellation_until": "2026-11-28T10:00",
        "notes": None,
    },
    "RSV-60471": {
        "status": "cancelled",
        "driver": {"name": "Lena Braun", "age": 29},
        "pickup": {"station_id": 101, "date": "2026-11-28", "time": "09:00"},
        "return": {"station_id": 101, "date": "2026-11-30", "time": "09:00"},
        "category": "suv",
        "extras": [],
        "fees": [],
        "prepaid": True,
        "paid_eur": 158.0,
        "cancellation": {
            "cancelled_on": "2026-11-25",
            "cancelled_by": "customer",
            "fee_eur": 0.0,
            "refund_eur": 158.0,
            "refunded_on": "2026-11-26",
        },
        "free_cancellation_until": None,
        "notes": "Cancelled free of charge; the prepayment was refunded to the card.",
    },
    "RSV-61932": {
        "status": "confirmed",
        "driver": {"name": "Mia Hoffmann", "age": 21},
        "pickup": {"station_id": 101, "date": "2026-12-04", "time": "18:00"},
        "return": {"station_id": 101, "date": "2026-12-07", "time": "18:00"},
        "category": "economy",
        "extras": [],
        "fees": [
            {
                "name": "Young driver fee (main driver under 25)",
                "eur_per_day": 15.0,
                "days": 3,
                "amount_eur": 45.0,
            }
        ],
        "prepaid": False,
        "paid_eur": 0.0,
        "cancellation": None,
        "free_cancellation_until": "2026-12-04T18:00",
        "notes": "The main driver is 21, so the young driver fee applies.",
    },
    "RSV-62208": {
        "status": "confirmed",
        "driver": {"name": "Tobias Wagner", "age": 41},
        "pickup": {"station_id": 103, "date": "2026-11-28", "time": "14:00"},
        "return": {"station_id": 103, "date": "2026-11-30", "time": "09:00"},
        "category": "electric",
        "extras": [],
        "fees": [],
        "prepaid": False,
        "paid_eur": 0.0,
        "cancellation": None,
        "free_cancellation_until": "2026-11-28T14:00",
        "notes": "The pickup time 14:00 is outside the station's opening hours: Munich "
        "Schwabing is open 09:00-13:00 on Saturdays. Pick the car up by 13:00, or call "
        "+49 89 555 01030 to move the pickup to Munich Central Station (open until 18:00 on "
        "Saturdays).",
    },
}


def _car_station(station_id: int) -> dict[str, Any]:
    station = CAR_STATIONS.get(station_id)
    if station is None:
        raise HTTPException(
            404, f"No station with id {station_id}. Find station ids with listStations."
        )
    return station


def _station_hours(station_id: int, day: str) -> tuple[dict[str, str] | None, str | None]:
    """A station's hours on a date (None: closed) and the reason when they differ."""
    station = CAR_STATIONS[station_id]
    special = next((h for h in station["holiday_hours"] if h["date"] == day), None)
    if special:
        return special["hours"], special["reason"]
    return station["hours"][_weekday(day)], None


def _reservation_key(confirmation_number: str) -> str:
    """A confirmation number as printed ("RSV-58213"), also as "rsv58213" or "58213"."""
    wanted = "".join(c for c in confirmation_number.upper() if c.isalnum())
    if wanted.isdigit():
        wanted = f"RSV{wanted}"
    for key in CAR_RESERVATIONS:
        if key.replace("-", "") == wanted:
            return key
    raise HTTPException(
        404,
        f"No reservation with confirmation number {confirmation_number}. It is in your "
        "confirmation e-mail, like RSV-58213.",
    )


def _car_date(day: str, name: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(day)
    except ValueError:
        raise HTTPException(422, f"{name} {day} is not a valid date (YYYY-MM-DD).") from None


def _station_matches(station: dict[str, Any], text: str) -> bool:
    haystack = _fold(f"{station['name']} {station['city']} {station['type']}").replace("-", " ")
    aliases = {
        "munich": "munich munchen muenchen",
        "airport": "airport flughafen muc",
        "train_station": "train station central hauptbahnhof hbf",
    }
    for word, more in aliases.items():
        haystack = haystack.replace(word, more)
    words = [w for w in _fold(text).replace("-", " ").split() if w not in ("station", "branch")]
    return all(w in haystack for w in words)


CategoryCode = Literal["economy", "compact", "estate", "suv", "van", "electric"]


def create_carrental_app(server_url: str) -> FastAPI:
    app = FastAPI(
        title="Isar Drive Car Rental API",
        version="4.2.0",
        description="Stations, vehicle categories, availability and prices, reservations, "
        "extras and rental policies of Isar Drive, a car rental company in southern Bavaria. "
        "Prices in EUR including VAT.",
        servers=[{"url": server_url}],
    )

    @app.get(
        "/stations",
        operation_id="listStations",
        summary="Find rental stations",
        description="Stations by city or name: id, name, city, type (airport, train_station "
        "or city), whether it is open 24 hours, and phone. Address, opening hours per weekday "
        "and holiday closures are in getStation.",
    )
    def stations(
        city: str = Query(
            "",
            description="City or part of the station name, e.g. Munich or Schwabing. Empty: all.",
        ),
        type: Literal["airport", "train_station", "city"] | None = Query(
            None, description="Only stations of this type."
        ),
    ) -> dict[str, Any]:
        hits = [
            n
            for n, s in CAR_STATIONS.items()
            if (type is None or s["type"] == type) and _station_matches(s, city)
        ]
        return {
            "total": len(hits),
            "stations": [
                {
                    "id": n,
                    "name": CAR_STATIONS[n]["name"],
                    "city": CAR_STATIONS[n]["city"],
                    "type": CAR_STATIONS[n]["type"],
                    "open_24h": CAR_STATIONS[n]["open_24h"],
                    "phone": CAR_STATIONS[n]["phone"],
                }
                for n in hits
            ],
        }

    @app.get(
        "/stations/{station_id}",
        operation_id="getStation",
        summary="A station's address and opening hours",
        description="Address, phone, opening hours per weekday (null: closed all day), "
        "holiday hours and closures, whether cars can be returned at a key box outside "
        "opening hours, and the vehicle categories kept there. With a date: whether the "
        "station is open that day and its hours.",
    )
    def station(
        station_id: int = Path(description="Station id, e.g. 102."),
        date: str | None = Query(
            None, pattern=r"^\d{4}-\d{2}-\d{2}$", description="A day, YYYY-MM-DD (optional)."
        ),
    ) -> dict[str, Any]:
        s = _car_station(station_id)
        out: dict[str, Any] = {
            "id": station_id,
            **{k: v for k, v in s.items() if k != "fleet"},
            "categories": list(s["fleet"]),
        }
        if date:
            hours, reason = _station_hours(station_id, date)
            out["on_date"] = {
                "date": date,
                "weekday": _weekday(date),
                "open": hours is not None,
                "hours": hours,
                "reason": reason,
            }
        return out

    @app.get(
        "/categories",
        operation_id="listCategories",
        summary="Vehicle categories",
        description="Each category: code, name, example model, price per day, features "
        "(seats, doors, transmission, fuel, luggage, electric range and charging or null, "
        "equipment such as navigation and four-wheel drive), the minimum driver age and the "
        "deposit.",
    )
    def categories(
        transmission: Literal["automatic", "manual"] | None = Query(
            None, description="Only categories with this transmission."
        ),
        fuel: Literal["petrol", "diesel", "electric"] | None = Query(
            None, description="Only categories with this fuel."
        ),
        min_seats: int | None = Query(None, ge=1, le=9, description="At least this many seats."),
    ) -> dict[str, Any]:
        hits = [
            code
            for code, c in CAR_CATEGORIES.items()
            if (transmission is None or c["features"]["transmission"] == transmission)
            and (fuel is None or c["features"]["fuel"] == fuel)
            and (min_seats is None or c["features"]["seats"] >= min_seats)
        ]
        return {
            "total": len(hits),
            "categories": [{"code": code, **CAR_CATEGORIES[code]} for code in hits],
        }

    @app.get(
        "/availability",
        operation_id="checkAvailability",
        summary="Cars free for a rental period",
        description="Per station (all, a city's, or one) and category: whether a car is free "
        "on every day from pickup_date to return_date, the fewest cars left, the days sold "
        "out, the price per day and the total, and whether the station is open on the pickup "
        "and return days.",
    )
    def availability(
        pickup_date: str = Query(pattern=r"^\d{4}-\d{2}-\d{2}$", description="YYYY-MM-DD."),
        return_date: str | None = Query(
            None,
            pattern=r"^\d{4}-\d{2}-\d{2}$",
            description="YYYY-MM-DD. Default: the day after pickup_date (1 day).",
        ),
        city: str = Query(
            "", description="City or part of a station name, e.g. Munich. Empty: all stations."
        ),
        station_id: int | None = Query(None, description="Only this station, e.g. 102."),
        category: CategoryCode | None = Query(None, description="Only this category."),
    ) -> dict[str, Any]:
        start = _car_date(pickup_date, "pickup_date")
        end = (
            _car_date(return_date, "return_date") if return_date else start + datetime.timedelta(1)
        )
        if start.isoformat() < CAR_DAY:
            raise HTTPException(
                422, f"pickup_date {pickup_date} is in the past (today is {CAR_DAY})."
            )
        if end < start:
            raise HTTPException(422, "return_date must not be before pickup_date.")
        if (end - start).days > 28:
            raise HTTPException(422, "At most 28 days per search.")
        if end.isoformat() > CAR_RATES_UNTIL:
            raise HTTPException(422, f"Prices are only published until {CAR_RATES_UNTIL}.")
        if station_id is not None:
            _car_station(station_id)
        days = [(start + datetime.timedelta(i)).isoformat() for i in range((end - start).days + 1)]
        rental_days = max(1, (end - start).days)
        result = []
        for n, s in CAR_STATIONS.items():
            if (station_id is not None and n != station_id) or not _station_matches(s, city):
                continue
            pickup_hours, _ = _station_hours(n, days[0])
            return_hours, _ = _station_hours(n, days[-1])
            rows = []
            for code, fleet in s["fleet"].items():
                if category is not None and code != category:
                    continue
                left = [CAR_LEFT.get((day, n, code), fleet) for day in days]
                sold_out = [day for day, k in zip(days, left, strict=True) if k == 0]
                rate = CAR_CATEGORIES[code]["price_per_day_eur"]
                rows.append(
                    {
                        "category": code,
                        "name": CAR_CATEGORIES[code]["name"],
                        "available": not sold_out,
                        "cars_left": min(left),
                        "sold_out_days": sold_out,
                        "price_per_day_eur": rate,
                        "total_eur": None if sold_out else rate * rental_days,
                    }
                )
            if category is not None and not rows:
                continue
            notes = []
            if pickup_hours is None:
                notes.append(f"The station is closed on the pickup day ({_weekday(days[0])}).")
            if return_hours is None:
                notes.append(f"The station is closed on the return day ({_weekday(days[-1])}).")
            result.append(
                {
                    "station": {"id": n, "name": s["name"], "city": s["city"]},
                    "open_on_pickup_day": pickup_hours is not None,
                    "open_on_return_day": return_hours is not None,
                    "categories": rows,
                    "note": " ".join(notes) or None,
                }
            )
        return {
            "pickup_date": days[0],
            "return_date": days[-1],
            "rental_days": rental_days,
            "stations": result,
            "message": None if result else "No station matches.",
        }

    @app.get(
        "/reservations/{confirmation_number}",
        operation_id="getReservation",
        summary="A reservation by confirmation number",
        description="Status (confirmed or cancelled), driver and age, pickup and return "
        "(station id and name, date, time), category, extras, fees (such as the young driver "
        "fee), price (days, car, extras, fees, total, paid, due at pickup), the deposit, the "
        "cancellation (date, fee, refund), until when it can be cancelled for free, and notes.",
    )
    def reservation(
        confirmation_number: str = Path(
            description="Confirmation number from the e-mail, e.g. RSV-58213."
        ),
    ) -> dict[str, Any]:
        key = _reservation_key(confirmation_number)
        r = CAR_RESERVATIONS[key]
        start = datetime.date.fromisoformat(r["pickup"]["date"])
        end = datetime.date.fromisoformat(r["return"]["date"])
        days = max(1, (end - start).days)
        category = CAR_CATEGORIES[r["category"]]
        car = category["price_per_day_eur"] * days
        extras = sum((e["amount_eur"] for e in r["extras"]), 0.0)
        fees = sum((f["amount_eur"] for f in r["fees"]), 0.0)
        total = car + extras + fees

        def place(leg: dict[str, Any]) -> dict[str, Any]:
            sid = leg["station_id"]
            hours, _ = _station_hours(sid, leg["date"])
            inside = hours is not None and hours["open"] <= leg["time"] <= hours["close"]
            return {
                "station": {"id": sid, "name": CAR_STATIONS[sid]["name"]},
                "date": leg["date"],
                "weekday": _weekday(leg["date"]),
                "time": leg["time"],
                "within_opening_hours": inside,
            }

        return {
            "confirmation_number": key,
            "status": r["status"],
            "driver": r["driver"],
            "pickup": place(r["pickup"]),
            "return": place(r["return"]),
            "category": {
                "code": r["category"],
                "name": category["name"],
                "example": category["example"],
            },
            "extras": r["extras"],
            "fees": r["fees"],
            "price": {
                "days": days,
                "car_eur": car,
                "extras_eur": extras,
                "fees_eur": fees,
                "total_eur": total,
                "prepaid": r["prepaid"],
                "paid_eur": r["paid_eur"],
                "due_at_pickup_eur": None if r["status"] == "cancelled" else total - r["paid_eur"],
            },
            "deposit_eur": category["deposit_eur"],
            "mileage_included_km": 300 * days,
            "cancellation": r["cancellation"],
            "free_cancellation_until": r["free_cancellation_until"],
            "notes": r["notes"],
        }

    @app.get(
        "/extras",
        operation_id="listExtras",
        summary="Extras and their prices",
        description="Child and booster seats, snow chains, navigation device and additional "
        "driver: price per day or per rental, the most charged per rental, and the stations "
        "where an extra is not offered. With a station: whether each extra is offered there.",
    )
    def extras(
        station_id: int | None = Query(None, description="A station id, e.g. 104 (optional)."),
    ) -> dict[str, Any]:
        if station_id is not None:
            _car_station(station_id)
        rows = []
        for code, e in CAR_EXTRAS.items():
            row = {
                "code": code,
                **{k: v for k, v in e.items() if k != "not_available_at"},
                "not_available_at": [
                    {"id": n, "name": CAR_STATIONS[n]["name"]} for n in e["not_available_at"]
                ],
            }
            if station_id is not None:
                row["available_at_station"] = station_id not in e["not_available_at"]
            rows.append(row)
        return {"station_id": station_id, "extras": rows}

    @app.get(
        "/policies",
        operation_id="getPolicies",
        summary="Rental policies",
        description="Fuel (full to full, refuelling charges, electric cars' charge level), "
        "mileage (km included per day, price per extra km), cross-border travel (allowed and "
        "not allowed countries, fee), deposit (amounts, credit card), driver age (young "
        "driver fee) and insurance (excess). Optionally one topic.",
    )
    def policies(
        topic: Literal["fuel", "mileage", "cross_border", "deposit", "age", "insurance"]
        | None = Query(None, description="Only this topic."),
    ) -> dict[str, Any]:
        if topic:
            return {"topic": topic, topic: CAR_POLICIES[topic]}
        return {"company": "Isar Drive", **CAR_POLICIES}

    return app


# ---------------------------------------------------------------------------- airline

AIR_DAY = "2026-11-27"
AIR_NOW = "2026-11-27T09:40"  # Helsinki time (UTC+2)
AIR_STATUS_FROM = "2026-11-20"
AIR_SCHEDULE_UNTIL = "2027-03-27"
AIRPORTS: dict[str, dict[str, Any]] = {
    "HEL": {
        "name": "Helsinki Airport",
        "city": "Helsinki",
        "country": "Finland",
        "utc_offset_hours": 2,
        "terminal": "2",
        "aliases": "helsinki vantaa helsinki-vantaa",
    },
    "OUL": {
        "name": "Oulu Airport",
        "city": "Oulu",
        "country": "Finland",
        "utc_offset_hours": 2,
        "terminal": None,
        "aliases": "oulu",
    },
    "RVN": {
        "name": "Rovaniemi Airport",
        "city": "Rovaniemi",
        "country": "Finland",
        "utc_offset_hours": 2,
        "terminal": None,
        "aliases": "rovaniemi lapland",
    },
    "ARN": {
        "name": "Stockholm Arlanda",
        "city": "Stockholm",
        "country": "Sweden",
        "utc_offset_hours": 1,
        "terminal": "5",
        "aliases": "stockholm arlanda",
    },
    "BER": {
        "name": "Berlin Brandenburg",
        "city": "Berlin",
        "country": "Germany",
        "utc_offset_hours": 1,
        "terminal": "1",
        "aliases": "berlin brandenburg",
    },
    "AGP": {
        "name": "Málaga Airport",
        "city": "Málaga",
        "country": "Spain",
        "utc_offset_hours": 1,
        "terminal": "2",
        "aliases": "malaga costa del sol",
    },
    "LHR": {
        "name": "London Heathrow",
        "city": "London",
        "country": "United Kingdom",
        "utc_offset_hours": 0,
        "terminal": "3",
        "aliases": "london heathrow",
    },
    "JFK": {
        "name": "New York John F. Kennedy",
        "city": "New York",
        "country": "United States",
        "utc_offset_hours": -5,
        "terminal": "8",
        "aliases": "new york nyc jfk kennedy",
    },
}
AIR_ROUTE_TYPES = {
    "domestic": "Flights within Finland: Helsinki, Oulu and Rovaniemi.",
    "european": "Flights between Finland and the rest of Europe: Stockholm, Berlin, Málaga "
    "and London.",
    "intercontinental": "Flights between Helsinki and New York.",
}
AIR_AIRCRAFT: dict[str, dict[str, Any]] = {
    "atr72": {
        "name": "ATR 72-500",
        "cabins": {"economy": {"rows": (1, 18), "letters": "ACDF", "window": "AF", "aisle": "CD"}},
        "extra_legroom_rows": [1],
        "exit_rows": [],
    },
    "a320": {
        "name": "Airbus A320",
        "cabins": {
            "business": {"rows": (1, 4), "letters": "ACDF", "window": "AF", "aisle": "CD"},
            "economy": {"rows": (5, 30), "letters": "ABCDEF", "window": "AF", "aisle": "CD"},
        },
        # Within Finland there is no business cabin: rows 1-4 are economy seats too.
        "domestic_cabins": {
            "economy": {"rows": (1, 30), "letters": "ABCDEF", "window": "AF", "aisle": "CD"},
        },
        "extra_legroom_rows": [1, 12, 13],
        "exit_rows": [12, 13],
    },
    "a350": {
        "name": "Airbus A350-900",
        "cabins": {
            "business": {"rows": (1, 8), "letters": "ADGK", "window": "AK", "aisle": "DG"},
            "economy": {"rows": (20, 45), "letters": "ABCDEFHJK", "window": "AK", "aisle": "CDFH"},
        },
        "extra_legroom_rows": [20, 32],
        "exit_rows": [32],
    },
}
# Flights by number: route, local times (arrival days later), weekdays flown (None: daily),
# aircraft, one-way fares per person in EUR by fare class, and the usual departure gate.
AIR_FLIGHTS: dict[str, dict[str, Any]] = {
    "RV310": {
        "from": "HEL",
        "to": "OUL",
        "dep": "07:10",
        "arr": "08:15",
        "arr_days": 0,
        "days": None,
        "aircraft": "atr72",
        "fares": {"light": 59, "classic": 89, "flex": 179},
        "gate": "21",
    },
    "RV312": {
        "from": "HEL",
        "to": "OUL",
        "dep": "11:40",
        "arr": "12:45",
        "arr_days": 0,
        "days": None,
        "aircraft": "atr72",
        "fares": {"light": 49, "classic": 89, "flex": 179},
        "gate": "23",
    },
    "RV316": {
        "from": "HEL",
        "to": "OUL",
        "dep": "17:20",
        "arr": "18:25",
        "arr_days": 0,
        "days": [d for d in WEEK if d != "Saturday"],
        "aircraft": "atr72",
        "fares": {"light": 69, "classic": 99, "flex": 189},
        "gate": "22",
    },
    "RV311": {
        "from": "OUL",
        "to": "HEL",
        "dep": "08:50",
        "arr": "09:55",
        "arr_days": 0,
        "days": None,
        "aircraft": "atr72",
        "fares": {"light": 59, "classic": 89, "flex": 179},
        "gate": "3",
    },
    "RV313": {
        "from": "OUL",
        "to": "HEL",
        "dep": "13:30",
        "arr": "14:35",
        "arr_days": 0,
        "days": None,
        "aircraft": "atr72",
        "fares": {"light": 49, "classic": 89, "flex": 179},
        "gate": "2",
    },
    "RV317": {
        "from": "OUL",
        "to": "HEL",
        "dep": "19:10",
        "arr": "20:15",
        "arr_days": 0,
        "days": [d for d in WEEK if d != "Saturday"],
        "aircraft": "atr72",
        "fares": {"light": 79, "classic": 109, "flex": 199},
        "gate": "3",
    },
    "RV350": {
        "from": "HEL",
        "to": "RVN",
        "dep": "08:20",
        "arr": "09:40",
        "arr_days": 0,
        "days": None,
        "aircraft": "a320",
        "fares": {"light": 69, "classic": 99, "flex": 199},
        "gate": "28",
    },
    "RV356": {
        "from": "HEL",
        "to": "RVN",
        "dep": "18:45",
        "arr": "20:05",
        "arr_days": 0,
        "days": None,
        "aircraft": "a320",
        "fares": {"light": 79, "classic": 109, "flex": 199},
        "gate": "27",
    },
    "RV351": {
        "from": "RVN",
        "to": "HEL",
        "dep": "10:30",
        "arr": "11:50",
        "arr_days": 0,
        "days": None,
        "aircraft": "a320",
        "fares": {"light": 69, "classic": 99, "flex": 199},
        "gate": "1",
    },
    "RV357": {
        "from": "RVN",
        "to": "HEL",
        "dep": "20:50",
        "arr": "22:10",
        "arr_days": 0,
        "days": None,
        "aircraft": "a320",
        "fares": {"light": 59, "classic": 99, "flex": 199},
        "gate": "1",
    },
    "RV741": {
        "from": "HEL",
        "to": "ARN",
        "dep": "07:45",
        "arr": "07:50",
        "arr_days": 0,
        "days": None,
        "aircraft": "a320",
        "fares": {"light": 79, "classic": 119, "flex": 239, "business": 389},
        "gate": "31",
    },
    "RV742": {
        "from": "ARN",
        "to": "HEL",
        "dep": "19:55",
        "arr": "22:00",
        "arr_days": 0,
        "days": None,
        "aircraft": "a320",
        "fares": {"light": 79, "classic": 119, "flex": 239, "business": 389},
        "gate": "F34",
    },
    "RV221": {
        "from": "HEL",
        "to": "BER",
        "dep": "07:25",
        "arr": "08:35",
        "arr_days": 0,
        "days": None,
        "aircraft": "a320",
        "fares": {"light": 89, "classic": 139, "flex": 269, "business": 449},
        "gate": "35",
    },
    "RV222": {
        "from": "BER",
        "to": "HEL",
        "dep": "09:40",
        "arr": "12:50",
        "arr_days": 0,
        "days": None,
        "aircraft": "a320",
        "fares": {"light": 89, "classic": 139, "flex": 269, "business": 449},
        "gate": "A12",
    },
    "RV615": {
        "from": "HEL",
        "to": "LHR",
        "dep": "11:10",
        "arr": "12:40",
        "arr_days": 0,
        "days": None,
        "aircraft": "a320",
        "fares": {"light": 99, "classic": 159, "flex": 299, "business": 529},
        "gate": "54",
    },
    "RV616": {
        "from": "LHR",
        "to": "HEL",
        "dep": "13:50",
        "arr": "19:10",
        "arr_days": 0,
        "days": None,
        "aircraft": "a320",
        "fares": {"light": 99, "classic": 159, "flex": 299, "business": 529},
        "gate": "B36",
    },
    "RV871": {
        "from": "HEL",
        "to": "AGP",
        "dep": "10:05",
        "arr": "13:35",
        "arr_days": 0,
        "days": ["Tuesday", "Saturday"],
        "aircraft": "a320",
        "fares": {"light": 129, "classic": 179, "flex": 349, "business": 649},
        "gate": "38",
    },
    "RV872": {
        "from": "AGP",
        "to": "HEL",
        "dep": "14:35",
        "arr": "21:05",
        "arr_days": 0,
        "days": ["Tuesday", "Saturday"],
        "aircraft": "a320",
        "fares": {"light": 129, "classic": 179, "flex": 349, "business": 649},
        "gate": "B22",
    },
    "RV005": {
        "from": "HEL",
        "to": "JFK",
        "dep": "16:15",
        "arr": "18:05",
        "arr_days": 0,
        "days": None,
        "aircraft": "a350",
        "fares": {"light": 399, "classic": 549, "flex": 999, "business": 2890},
        "gate": "52",
    },
    "RV006": {
        "from": "JFK",
        "to": "HEL",
        "dep": "20:30",
        "arr": "11:50",
        "arr_days": 1,
        "days": None,
        "aircraft": "a350",
        "fares": {"light": 399, "classic": 549, "flex": 999, "business": 2890},
        "gate": "B28",
    },
}
# Changes to a flight on a day (otherwise it keeps its schedule and usual gate).
AIR_STATUS: dict[tuple[str, str], dict[str, Any]] = {
    ("RV312", "2026-11-27"): {
        "status": "delayed",
        "estimated_departure": "12:55",
        "estimated_arrival": "14:00",
        "reason": "Late arrival of the aircraft from Rovaniemi after de-icing.",
    },
    ("RV615", "2026-11-27"): {
        "gate": "47",
        "previous_gate": "54",
        "note": "Gate changed from 54 to 47 at 09:05.",
    },
    ("RV356", "2026-11-27"): {
        "status": "cancelled",
        "reason": "Snowstorm in Rovaniemi: the runway is closed this evening.",
        "rebooking": "Passengers are rebooked on RV350 on 2026-11-28 at 08:20 and informed by "
        "SMS and e-mail. Change to another flight or cancel for a full refund free of charge in "
        "Manage booking.",
    },
    ("RV357", "2026-11-27"): {
        "status": "cancelled",
        "reason": "Snowstorm in Rovaniemi: the runway is closed this evening.",
        "rebooking": "Passengers are rebooked on RV351 on 2026-11-28 at 10:30 and informed by "
        "SMS and e-mail. Change to another flight or cancel for a full refund free of charge in "
        "Manage booking.",
    },
}
# Seats left per fare class on some days (otherwise 9, shown as "9 or more").
AIR_FARE_LEFT: dict[tuple[str, str], dict[str, int]] = {
    ("RV871", "2026-11-28"): {"light": 0, "classic": 0, "flex": 0, "business": 0},
    ("RV350", "2026-11-28"): {"light": 0, "classic": 3, "flex": 5},
    ("RV317", "2026-11-29"): {"light": 4, "classic": 9, "flex": 9},
    ("RV005", "2026-12-03"): {"light": 2, "classic": 6, "flex": 9, "business": 4},
}
# Free seats on some days (otherwise a fixed pattern of about a third of the seats).
AIR_FREE_SEATS: dict[tuple[str, str], dict[str, list[str]]] = {
    ("RV350", "2026-11-28"): {
        "economy": ["9C", "9D", "14B", "17F", "22E", "25A", "26C", "28D", "29B"],
    },
    ("RV871", "2026-11-28"): {"economy": [], "business": []},
}
AIR_BOOKINGS: dict[str, dict[str, Any]] = {
    "H3PZ9T": {
        "status": "confirmed",
        "booked_on": "2026-10-30",
        "fare_class": "classic",
        "passengers": [{"name": "Aino Virtanen", "type": "adult", "frequent_flyer": None}],
        "segments": [
            {
                "flight_number": "RV356",
                "date": "2026-11-27",
                "status": "cancelled",
                "seats": [None],
                "replaced_by": {"flight_number": "RV350", "date": "2026-11-28"},
            },
            {
                "flight_number": "RV350",
                "date": "2026-11-28",
                "status": "confirmed",
                "seats": ["7A"],
            },
            {
                "flight_number": "RV351",
                "date": "2026-11-30",
                "status": "confirmed",
                "seats": [None],
            },
        ],
        "extras": [],
        "payment": {"total_eur": 208.0, "paid": True, "method": "Visa"},
        "notices": [
            "RV356 on 2026-11-27 (18:45) is cancelled because of a snowstorm in Rovaniemi. "
            "You have been rebooked on RV350 on 2026-11-28, departing 08:20. You can change to "
            "another flight or cancel for a full refund free of charge in Manage booking."
        ],
        "checked_in": {},
    },
    "B5NJ7L": {
        "status": "confirmed",
        "booked_on": "2026-09-14",
        "fare_class": "classic",
        "passengers": [
            {"name": "Mikko Niemi", "type": "adult", "frequent_flyer": "RV Plus Silver"},
            {"name": "Laura Niemi", "type": "adult", "frequent_flyer": None},
        ],
        "segments": [
            {
                "flight_number": "RV005",
                "date": "2026-12-03",
                "status": "confirmed",
                "seats": ["31A", "31B"],
            },
            {
                "flight_number": "RV006",
                "date": "2026-12-10",
                "status": "confirmed",
                "seats": ["28J", "28K"],
            },
        ],
        "extras": [],
        "payment": {"total_eur": 2196.0, "paid": True, "method": "Mastercard"},
        "notices": ["Travel to the United States needs an approved ESTA for each passenger."],
        "checked_in": {},
    },
    "M8RW4D": {
        "status": "confirmed",
        "booked_on": "2026-11-02",
        "fare_class": "light",
        "passengers": [
            {"name": "Emil Lindqvist", "type": "adult", "frequent_flyer": None},
            {"name": "Sara Lindqvist", "type": "adult", "frequent_flyer": None},
        ],
        "segments": [
            {
                "flight_number": "RV221",
                "date": "2026-11-30",
                "status": "confirmed",
                "seats": [None, None],
            },
            {
                "flight_number": "RV222",
                "date": "2026-12-04",
                "status": "confirmed",
                "seats": [None, None],
            },
        ],
        "extras": [
            {
                "type": "extra checked bag",
                "passenger": "Sara Lindqvist",
                "segments": "both",
                "amount_eur": 60.0,
            }
        ],
        "payment": {"total_eur": 416.0, "paid": True, "method": "Visa"},
        "notices": [],
        "checked_in": {},
    },
    "Q7XK2M": {
        "status": "confirmed",
        "booked_on": "2026-11-24",
        "fare_class": "flex",
        "passengers": [
            {"name": "Jukka Korhonen", "type": "adult", "frequent_flyer": "RV Plus Gold"}
        ],
        "segments": [
            {
                "flight_number": "RV312",
                "date": "2026-11-27",
                "status": "confirmed",
                "seats": ["3C"],
            },
            {
                "flight_number": "RV317",
                "date": "2026-11-29",
                "status": "confirmed",
                "seats": ["3C"],
            },
        ],
        "extras": [],
        "payment": {"total_eur": 378.0, "paid": True, "method": "company invoice"},
        "notices": [],
        "checked_in": {"RV312": ["Jukka Korhonen"]},
    },
    "C9DF3R": {
        "status": "cancelled",
        "booked_on": "2026-10-02",
        "fare_class": "light",
        "passengers": [{"name": "Helmi Saarinen", "type": "adult", "frequent_flyer": None}],
        "segments": [
            {
                "flight_number": "RV741",
                "date": "2026-12-05",
                "status": "cancelled",
                "seats": [None],
            },
        ],
        "extras": [],
        "payment": {"total_eur": 79.0, "paid": True, "method": "Visa"},
        "cancellation": {
            "cancelled_on": "2026-11-20",
            "by": "passenger",
            "refund_eur": 18.6,
            "note": "Light fares are not refundable; the airport taxes (18.60 EUR) were refunded.",
        },
        "notices": [],
        "checked_in": {},
    },
}


def _allowance(cabin_bags: int, checked_bags: int, checked_max_kg: int | None) -> dict[str, Any]:
    return {
        "cabin": {
            "bags": cabin_bags,
            "max_kg_each": 8,
            "max_size_cm": "55 x 40 x 23",
            "personal_item": "1 small bag or laptop bag, 40 x 30 x 15 cm",
        },
        "checked": {"bags": checked_bags, "max_kg_each": checked_max_kg},
    }


AIR_BAGGAGE: dict[str, dict[str, dict[str, Any] | None]] = {
    "light": {route: _allowance(1, 0, None) for route in AIR_ROUTE_TYPES},
    "classic": {route: _allowance(1, 1, 23) for route in AIR_ROUTE_TYPES},
    "flex": {route: _allowance(1, 2, 23) for route in AIR_ROUTE_TYPES},
    "business": {
        "domestic": None,
        "european": _allowance(2, 2, 32),
        "intercontinental": _allowance(2, 2, 32),
    },
}
AIR_EXTRA_BAGS: dict[str, dict[str, float]] = {
    "domestic": {"online_eur": 25.0, "at_airport_eur": 40.0, "overweight_23_to_32_kg_eur": 40.0},
    "european": {"online_eur": 30.0, "at_airport_eur": 50.0, "overweight_23_to_32_kg_eur": 50.0},
    "intercontinental": {
        "online_eur": 70.0,
        "at_airport_eur": 100.0,
        "overweight_23_to_32_kg_eur": 100.0,
    },
}
AIR_SPECIAL_BAGGAGE: dict[str, Any] = {
    "pets": {
        "in_cabin": {
            "animals": "dogs and cats",
            "max_kg_with_carrier": 8,
            "carrier_max_cm": "45 x 30 x 25",
            "price_eur_each_way": {"domestic": 45.0, "european": 60.0},
            "allowed_on": ["domestic", "european"],
            "not_allowed_on": ["intercontinental"],
            "booking": "By phone at least 48 hours before departure; at most 2 pets per flight.",
        },
        "in_hold": "Pets are not carried in the hold on any flight.",
        "assistance_dogs": "Carried free of charge in the cabin on all flights.",
    },
    "sports_equipment": {
        "skis_or_snowboard": "One ski bag (skis or a snowboard, poles and boots) counts as one "
        "checked bag; with no checked bag left in the fare it costs the same as an extra bag.",
        "bicycle": {"price_eur_each_way": 50.0, "note": "Boxed or bagged; book 48 hours ahead."},
    },
    "liquids": "In cabin bags: containers of at most 100 ml in one resealable 1-litre bag.",
    "power_banks": "Cabin only, never in checked bags; at most 160 Wh.",
}
AIR_LOUNGES: dict[int, dict[str, Any]] = {
    11: {
        "name": "Revontuli Lounge",
        "airport": "HEL",
        "area": "schengen",
        "location": "Terminal 2, after security, opposite gate 27 (Schengen gates 12-38).",
        "hours": {key: {"open": "05:00", "close": "22:30"} for key in WEEK},
        "closures": [],
        "access": {
            "included_with": [
                "Business fares",
                "RV Plus Gold and Platinum members (with 1 guest)",
            ],
            "not_included_with": ["Light, Classic and Flex fares"],
            "paid_entry": {
                "available": True,
                "price_eur": 39.0,
                "children_2_to_11_eur": 20.0,
                "under_2": "free",
                "how": "Buy in the app or at the door, up to 3 hours before departure, when "
                "there is space.",
            },
            "max_stay_hours": 3,
        },
        "amenities": [
            "hot and cold buffet",
            "bar",
            "Finnish sauna",
            "showers",
            "quiet room",
            "Wi-Fi",
        ],
    },
    12: {
        "name": "Kaamos Lounge",
        "airport": "HEL",
        "area": "non_schengen",
        "location": "Terminal 2, non-Schengen area, by gate 52 (after passport control).",
        "hours": {key: {"open": "06:00", "close": "00:30"} for key in WEEK},
        "closures": [
            {
                "from": "2026-11-16",
                "until": "2026-12-14",
                "reason": "Closed for renovation. Business passengers and RV Plus Gold and "
                "Platinum members use the Aurora Lounge by gate 50 instead, free of charge.",
            }
        ],
        "access": {
            "included_with": [
                "Business fares",
                "RV Plus Gold and Platinum members (with 1 guest)",
            ],
            "not_included_with": ["Light, Classic and Flex fares"],
            "paid_entry": {
                "available": True,
                "price_eur": 45.0,
                "children_2_to_11_eur": 20.0,
                "under_2": "free",
                "how": "At the door, when there is space.",
            },
            "max_stay_hours": 4,
        },
        "amenities": ["à la carte dinner", "bar", "showers", "sleeping pods", "Wi-Fi"],
    },
    13: {
        "name": "Aurora Lounge",
        "airport": "HEL",
        "area": "non_schengen",
        "location": "Terminal 2, non-Schengen area, by gate 50 (after passport control). "
        "Run by the airport.",
        "hours": {key: {"open": "06:30", "close": "21:00"} for key in WEEK},
        "closures": [],
        "access": {
            "included_with": [
                "Revontuli Business fares and RV Plus Gold and Platinum members while the Kaamos "
                "Lounge is closed (until 2026-12-14)",
            ],
            "not_included_with": [],
            "paid_entry": {
                "available": True,
                "price_eur": 45.0,
                "children_2_to_11_eur": 25.0,
                "under_2": "free",
                "how": "At the door or on the airport's website.",
            },
            "max_stay_hours": 3,
        },
        "amenities": ["buffet", "bar", "Wi-Fi", "runway view"],
    },
    21: {
        "name": "Revontuli Lounge Oulu",
        "airport": "OUL",
        "area": "domestic",
        "location": "Upstairs after security.",
        "hours": {
            **{key: {"open": "05:30", "close": "19:30"} for key in WEEK[:5]},
            "Saturday": None,
            "Sunday": {"open": "14:00", "close": "20:00"},
        },
        "closures": [],
        "access": {
            "included_with": ["Flex fares", "RV Plus Gold and Platinum members (with 1 guest)"],
            "not_included_with": ["Light and Classic fares"],
            "paid_entry": {
                "available": True,
                "price_eur": 25.0,
                "children_2_to_11_eur": 12.0,
                "under_2": "free",
                "how": "At the door.",
            },
            "max_stay_hours": 3,
        },
        "amenities": ["snacks", "coffee and tea", "Wi-Fi"],
    },
    31: {
        "name": "Revontuli Lounge Rovaniemi",
        "airport": "RVN",
        "area": "domestic",
        "location": "Departure hall, after security.",
        "hours": {key: {"open": "06:00", "close": "21:00"} for key in WEEK},
        "closures": [
            {
                "from": "2026-12-06",
                "until": "2026-12-06",
                "reason": "Closed all day for Finland's Independence Day.",
            }
        ],
        "access": {
            "included_with": ["Flex fares", "RV Plus Gold and Platinum members (with 1 guest)"],
            "not_included_with": ["Light and Classic fares"],
            "paid_entry": {
                "available": True,
                "price_eur": 25.0,
                "children_2_to_11_eur": 12.0,
                "under_2": "free",
                "how": "At the door.",
            },
            "max_stay_hours": 3,
        },
        "amenities": ["snacks", "coffee and tea", "fireplace", "Wi-Fi"],
    },
}


def _air_route_type(origin: str, destination: str) -> str:
    countries = {AIRPORTS[origin]["country"], AIRPORTS[destination]["country"]}
    if countries == {"Finland"}:
        return "domestic"
    return "intercontinental" if "United States" in countries else "european"


def _air_utc(day: str, clock: str, airport: str) -> datetime.datetime:
    local = datetime.datetime.fromisoformat(f"{day}T{clock}")
    return local - datetime.timedelta(hours=AIRPORTS[airport]["utc_offset_hours"])


def _air_local(moment: datetime.datetime, airport: str) -> str:
    local = moment + datetime.timedelta(hours=AIRPORTS[airport]["utc_offset_hours"])
    return local.isoformat(timespec="minutes")


AIR_NOW_UTC = _air_utc(AIR_DAY, AIR_NOW[11:], "HEL")


def _airport_code(text: str) -> str:
    """An airport given as its code ("HEL", "hel") or city ("Helsinki", "new york")."""
    wanted = re.sub(r"[^\w\s-]", " ", _fold(text.strip()).replace("á", "a")).strip()
    if wanted.upper() in AIRPORTS:
        return wanted.upper()
    for code, a in AIRPORTS.items():
        haystack = _fold(f"{a['city']} {a['name']} {a['aliases']}").replace("á", "a")
        if wanted and all(w in haystack for w in wanted.replace("-", " ").split()):
            return code
    raise HTTPException(
        404,
        f"Revontuli does not fly to {text}. Airports: "
        + ", ".join(f"{code} ({a['city']})" for code, a in AIRPORTS.items()),
    )


def _flight_key(flight_number: str) -> str:
    """A flight number as printed ("RV312"), also as "rv 312", "RV0312" or "312"."""
    text = "".join(c for c in flight_number.upper() if c.isalnum())
    if text.isdigit():
        text = f"RV{text}"
    match = re.fullmatch(r"([A-Z0-9]{2})(\d{1,4})", text)
    if match is None:
        raise HTTPException(422, f"{flight_number} is not a flight number (like RV312).")
    if match.group(1) != "RV":
        raise HTTPException(
            404, f"{flight_number} is not a Revontuli flight; ask the airline that operates it."
        )
    key = f"RV{int(match.group(2)):03d}"
    if key not in AIR_FLIGHTS:
        raise HTTPException(404, f"Revontuli has no flight {key}. Find flights with searchFlights.")
    return key


def _record_locator(record_locator: str) -> str:
    """A record locator as printed ("H3PZ9T"), also in lower case or with spaces or dashes."""
    wanted = "".join(c for c in record_locator.upper() if c.isalnum())
    if wanted in AIR_BOOKINGS:
        return wanted
    raise HTTPException(
        404,
        f"No booking with record locator {record_locator}. The record locator is the "
        "6-character code (letters and digits) in the confirmation e-mail.",
    )


def _flies_on(number: str, day: str) -> bool:
    days = AIR_FLIGHTS[number]["days"]
    return days is None or _weekday(day) in days


def _flight_status(number: str, day: str) -> dict[str, Any]:
    f = AIR_FLIGHTS[number]
    change = AIR_STATUS.get((number, day), {})
    status = change.get("status")
    dep = change.get("estimated_departure", f["dep"])
    arr = change.get("estimated_arrival", f["arr"])
    arrival_day = (datetime.date.fromisoformat(day) + datetime.timedelta(f["arr_days"])).isoformat()
    if status is None or status == "delayed":
        if _air_utc(day, dep, f["from"]) > AIR_NOW_UTC:
            status = status or "scheduled"
        elif _air_utc(arrival_day, arr, f["to"]) > AIR_NOW_UTC:
            status = "departed"
        else:
            status = "landed"
    cancelled = status == "cancelled"
    delay = int(
        (_air_utc(day, dep, f["from"]) - _air_utc(day, f["dep"], f["from"])).total_seconds() // 60
    )
    route_type = _air_route_type(f["from"], f["to"])
    on_the_day = day == AIR_DAY and not cancelled
    boarding = None
    if on_the_day and status in ("scheduled", "delayed"):
        before = 45 if route_type == "intercontinental" else 30
        start = datetime.datetime.fromisoformat(f"{day}T{dep}") - datetime.timedelta(minutes=before)
        boarding = start.strftime("%H:%M")
    return {
        "flight_number": number,
        "date": day,
        "weekday": _weekday(day),
        "status": status,
        "route_type": route_type,
        "aircraft": AIR_AIRCRAFT[f["aircraft"]]["name"],
        "departure": {
            "airport": f["from"],
            "city": AIRPORTS[f["from"]]["city"],
            "terminal": AIRPORTS[f["from"]]["terminal"],
            "gate": change.get("gate", f["gate"]) if on_the_day else None,
            "previous_gate": change.get("previous_gate"),
            "scheduled": f["dep"],
            "estimated": None if cancelled else dep,
            "actual": dep if status in ("departed", "landed") else None,
            "boarding_starts": boarding,
        },
        "arrival": {
            "airport": f["to"],
            "city": AIRPORTS[f["to"]]["city"],
            "terminal": AIRPORTS[f["to"]]["terminal"],
            "date": arrival_day,
            "scheduled": f["arr"],
            "estimated": None if cancelled else arr,
            "actual": arr if status == "landed" else None,
        },
        "delay_minutes": delay if status == "delayed" else 0,
        "reason": change.get("reason"),
        "rebooking": change.get("rebooking"),
        "note": change.get("note"),
    }


def _air_cabins(number: str) -> dict[str, dict[str, Any]]:
    f = AIR_FLIGHTS[number]
    plane = AIR_AIRCRAFT[f["aircraft"]]
    if _air_route_type(f["from"], f["to"]) == "domestic" and "domestic_cabins" in plane:
        cabins: dict[str, dict[str, Any]] = plane["domestic_cabins"]
        return cabins
    cabins = plane["cabins"]
    return cabins


def _free_seats(number: str, day: str, cabin: str, layout: dict[str, Any]) -> list[str]:
    fixed = AIR_FREE_SEATS.get((number, day))
    if fixed is not None:
        return fixed.get(cabin, [])
    first, last = layout["rows"]
    salt = int(number[2:]) + 5 * int(day[8:])
    return [
        f"{row}{letter}"
        for row in range(first, last + 1)
        for i, letter in enumerate(layout["letters"])
        if (row * 7 + i * 3 + salt) % 10 in (0, 4, 7)
    ]


def _seat_position(seat: str, layout: dict[str, Any]) -> str:
    letter = seat[-1]
    if letter in layout["window"]:
        return "window"
    return "aisle" if letter in layout["aisle"] else "middle"


FareClass = Literal["light", "classic", "flex", "business"]
RouteType = Literal["domestic", "european", "intercontinental"]


def create_airline_app(server_url: str) -> FastAPI:
    app = FastAPI(
        title="Revontuli Airlines Passenger API",
        version="5.3.1",
        description="Flight status, flight search and fares, bookings, online check-in, seat "
        "maps, baggage allowances and lounges of Revontuli Airlines, based at Helsinki Airport. "
        "Times are local at each airport; prices in EUR.",
        servers=[{"url": server_url}],
    )

    @app.get(
        "/flights/{flight_number}/status",
        operation_id="getFlightStatus",
        summary="Status of a flight on a day",
        description="Scheduled, estimated and actual departure and arrival times, status "
        "(scheduled, delayed, departed, landed or cancelled), delay in minutes and the reason, "
        "terminal and gate (with the previous gate after a gate change; gates are shown on "
        "the day of departure), boarding time, and rebooking information for cancelled flights.",
    )
    def flight_status(
        flight_number: str = Path(description="Flight number, e.g. RV312."),
        date: str | None = Query(
            None,
            pattern=r"^\d{4}-\d{2}-\d{2}$",
            description="Day of departure (local), YYYY-MM-DD. Default: today.",
        ),
    ) -> dict[str, Any]:
        key = _flight_key(flight_number)
        day = date or AIR_DAY
        weekday = _weekday(day)
        if not AIR_STATUS_FROM <= day <= AIR_SCHEDULE_UNTIL:
            raise HTTPException(
                422,
                f"Status is available for flights from {AIR_STATUS_FROM} to {AIR_SCHEDULE_UNTIL}.",
            )
        if not _flies_on(key, day):
            days = ", ".join(AIR_FLIGHTS[key]["days"])
            raise HTTPException(404, f"{key} does not fly on {weekday} {day}. It flies on: {days}.")
        return {**_flight_status(key, day), "updated_at": AIR_NOW}

    @app.get(
        "/flights",
        operation_id="searchFlights",
        summary="Search flights between two airports",
        description="Revontuli flights from origin to destination on a date: flight number, "
        "departure and arrival times, duration, aircraft, status, and per fare class (light, "
        "classic, flex, business) the one-way price per passenger, the total for all "
        "passengers and seats left (9 means 9 or more). Sold-out flights say so.",
    )
    def search_flights(
        origin: str = Query(description="Airport code or city, e.g. HEL or Helsinki."),
        destination: str = Query(description="Airport code or city, e.g. OUL or Oulu."),
        date: str = Query(pattern=r"^\d{4}-\d{2}-\d{2}$", description="Day, YYYY-MM-DD."),
        passengers: int = Query(1, ge=1, le=9, description="Number of passengers."),
    ) -> dict[str, Any]:
        start, end = _airport_code(origin), _airport_code(destination)
        weekday = _weekday(date)
        if date < AIR_DAY:
            raise HTTPException(422, f"{date} is in the past (today is {AIR_DAY}).")
        if date > AIR_SCHEDULE_UNTIL:
            raise HTTPException(422, f"Flights are on sale until {AIR_SCHEDULE_UNTIL}.")
        numbers = [n for n, f in AIR_FLIGHTS.items() if f["from"] == start and f["to"] == end]
        if not numbers:
            raise HTTPException(
                404,
                f"Revontuli has no direct flights from {start} to {end}. All routes go to or "
                "from Helsinki (HEL).",
            )
        rows = []
        for n in numbers:
            if not _flies_on(n, date):
                continue
            f = AIR_FLIGHTS[n]
            status = _flight_status(n, date)
            left = AIR_FARE_LEFT.get((n, date), {})
            open_for_sale = status["status"] in ("scheduled", "delayed")
            fares = []
            for fare, price in f["fares"].items():
                seats = left.get(fare, 9) if open_for_sale else 0
                fares.append(
                    {
                        "fare_class": fare,
                        "price_eur": float(price),
                        "total_eur": float(price * passengers),
                        "seats_left": seats,
                        "available": seats >= passengers,
                    }
                )
            minutes = int(
                (
                    _air_utc(status["arrival"]["date"], f["arr"], f["to"])
                    - _air_utc(date, f["dep"], f["from"])
                ).total_seconds()
                // 60
            )
            rows.append(
                {
                    "flight_number": n,
                    "departure": f["dep"],
                    "arrival": f["arr"],
                    "arrival_date": status["arrival"]["date"],
                    "duration": f"{minutes // 60} h {minutes % 60:02d} min",
                    "aircraft": status["aircraft"],
                    "status": status["status"],
                    "bookable": open_for_sale,
                    "sold_out": open_for_sale and not any(x["available"] for x in fares),
                    "fares": fares,
                }
            )
        message = None
        if not rows:
            message = f"No flights from {start} to {end} on {weekday}."
        elif all(r["sold_out"] for r in rows):
            message = f"All flights from {start} to {end} on {date} are sold out."
        elif not any(r["bookable"] and not r["sold_out"] for r in rows):
            message = f"No flight from {start} to {end} on {date} can still be booked."
        if message:
            day = datetime.date.fromisoformat(date)
            for i in range(1, 15):
                later = (day + datetime.timedelta(i)).isoformat()
                if any(_flies_on(n, later) for n in numbers):
                    message += f" The next flight day is {_weekday(later)} {later}."
                    break
        return {
            "origin": {"code": start, "city": AIRPORTS[start]["city"]},
            "destination": {"code": end, "city": AIRPORTS[end]["city"]},
            "date": date,
            "weekday": weekday,
            "route_type": _air_route_type(start, end),
            "passengers": passengers,
            "flights": rows,
            "message": message,
            "prices": "One way per passenger in EUR, taxes included. Baggage depends on the "
            "fare class (see getBaggageAllowance).",
        }

    @app.get(
        "/flights/{flight_number}/seats",
        operation_id="getSeatMap",
        summary="Free seats on a flight",
        description="The aircraft, its cabins and rows, and the seats still free per cabin, "
        "grouped by window, aisle and middle, with the extra-legroom and exit rows and seat "
        "prices by fare class.",
    )
    def seat_map(
        flight_number: str = Path(description="Flight number, e.g. RV350."),
        date: str = Query(pattern=r"^\d{4}-\d{2}-\d{2}$", description="Day, YYYY-MM-DD."),
        cabin: Literal["economy", "business"] | None = Query(None, description="Only this cabin."),
    ) -> dict[str, Any]:
        key = _flight_key(flight_number)
        weekday = _weekday(date)
        if date < AIR_DAY:
            raise HTTPException(422, f"{date} is in the past (today is {AIR_DAY}).")
        if not _flies_on(key, date):
            raise HTTPException(404, f"{key} does not fly on {weekday} {date}.")
        f = AIR_FLIGHTS[key]
        status = _flight_status(key, date)
        plane = AIR_AIRCRAFT[f["aircraft"]]
        route_type = status["route_type"]
        cabins = []
        if status["status"] in ("scheduled", "delayed"):
            for name, layout in _air_cabins(key).items():
                if cabin is not None and name != cabin:
                    continue
                first, last = layout["rows"]
                free = _free_seats(key, date, name, layout)
                legroom = [
                    r
                    for r in plane["extra_legroom_rows"]
                    if name == "economy" and first <= r <= last
                ]
                cabins.append(
                    {
                        "cabin": name,
                        "rows": f"{first}-{last}",
                        "seats_per_row": layout["letters"],
                        "total_seats": (last - first + 1) * len(layout["letters"]),
                        "free_seats": len(free),
                        "free": {
                            position: [s for s in free if _seat_position(s, layout) == position]
                            for position in ("window", "aisle", "middle")
                        },
                        "extra_legroom_rows": legroom,
                        "free_extra_legroom_seats": [s for s in free if int(s[:-1]) in legroom],
                    }
                )
        extra = {"domestic": 20.0, "european": 25.0, "intercontinental": 65.0}[route_type]
        return {
            "flight_number": key,
            "date": date,
            "weekday": weekday,
            "status": status["status"],
            "aircraft": plane["name"],
            "cabins": cabins,
            "exit_rows": plane["exit_rows"],
            "seat_prices_eur": {
                "standard": {"light": 12.0, "classic": 12.0, "flex": 0.0, "business": 0.0},
                "extra_legroom": {"light": extra, "classic": extra, "flex": 0.0, "business": 0.0},
            },
            "note": "Seats are free of charge for everyone at check-in. Exit row seats only "
            "for adults who can help in an evacuation; not for passengers with infants."
            if cabins
            else f"{key} has no {cabin} cabin on this route."
            if status["status"] in ("scheduled", "delayed")
            else f"{key} on {date} is {status['status']}: no seats can be chosen.",
        }

    @app.get(
        "/bookings/{record_locator}",
        operation_id="getBooking",
        summary="A booking by its record locator",
        description="Status (confirmed or cancelled), passengers, fare class, the flights "
        "(flight number, date, route and route type, times, each flight's status, seats; a "
        "flight that was cancelled and what replaced it), extras bought, payment, notices "
        "from the airline and the cancellation (date, refund).",
    )
    def booking(
        record_locator: str = Path(
            description="The 6-character record locator from the confirmation e-mail."
        ),
    ) -> dict[str, Any]:
        key = _record_locator(record_locator)
        b = AIR_BOOKINGS[key]
        segments = []
        for s in b["segments"]:
            f = AIR_FLIGHTS[s["flight_number"]]
            status = _flight_status(s["flight_number"], s["date"])
            segments.append(
                {
                    "flight_number": s["flight_number"],
                    "date": s["date"],
                    "weekday": _weekday(s["date"]),
                    "from": {"code": f["from"], "city": AIRPORTS[f["from"]]["city"]},
                    "to": {"code": f["to"], "city": AIRPORTS[f["to"]]["city"]},
                    "route_type": status["route_type"],
                    "departure": f["dep"],
                    "arrival": f["arr"],
                    "arrival_date": status["arrival"]["date"],
                    "status": s["status"],
                    "flight_status": status["status"],
                    "seats": [
                        {"passenger": p["name"], "seat": seat}
                        for p, seat in zip(b["passengers"], s["seats"], strict=True)
                    ],
                    "replaced_by": s.get("replaced_by"),
                }
            )
        return {
            "record_locator": key,
            "status": b["status"],
            "booked_on": b["booked_on"],
            "fare_class": b["fare_class"],
            "passengers": b["passengers"],
            "flights": segments,
            "extras": b["extras"],
            "payment": b["payment"],
            "notices": b["notices"],
            "cancellation": b.get("cancellation"),
        }

    @app.get(
        "/bookings/{record_locator}/check-in",
        operation_id="getCheckIn",
        summary="Check-in status and window of a booking",
        description="For each flight of the booking still to fly: whether online check-in is "
        "open, not open yet or closed, when it opens and closes (local time), airport desk "
        "and bag drop times, and per passenger whether they are checked in, their seat and "
        "whether a boarding pass is ready.",
    )
    def check_in(
        record_locator: str = Path(
            description="The 6-character record locator from the confirmation e-mail."
        ),
    ) -> dict[str, Any]:
        key = _record_locator(record_locator)
        b = AIR_BOOKINGS[key]
        rows = []
        for s in b["segments"] if b["status"] != "cancelled" else []:
            number, day = s["flight_number"], s["date"]
            f = AIR_FLIGHTS[number]
            status = _flight_status(number, day)
            if s["status"] == "cancelled" or status["status"] in ("departed", "landed"):
                continue
            departure = _air_utc(day, status["departure"]["estimated"] or f["dep"], f["from"])
            long_haul = status["route_type"] == "intercontinental"
            opens = departure - datetime.timedelta(hours=24)
            closes = departure - datetime.timedelta(minutes=60 if long_haul else 45)
            if opens > AIR_NOW_UTC:
                online = "not_open_yet"
            elif closes > AIR_NOW_UTC:
                online = "open"
            else:
                online = "closed"
            done = b["checked_in"].get(number, [])
            rows.append(
                {
                    "flight_number": number,
                    "date": day,
                    "from": f["from"],
                    "to": f["to"],
                    "departure": f["dep"],
                    "flight_status": status["status"],
                    "online_check_in": {
                        "status": online,
                        "opens": _air_local(opens, f["from"]),
                        "closes": _air_local(closes, f["from"]),
                    },
                    "airport_check_in": {
                        "desk_opens": _air_local(
                            departure - datetime.timedelta(hours=3 if long_haul else 2), f["from"]
                        ),
                        "bag_drop_closes": _air_local(
                            departure - datetime.timedelta(minutes=60 if long_haul else 40),
                            f["from"],
                        ),
                    },
                    "passengers": [
                        {
                            "name": p["name"],
                            "checked_in": p["name"] in done,
                            "seat": seat,
                            "boarding_pass": "in the app" if p["name"] in done else None,
                        }
                        for p, seat in zip(b["passengers"], s["seats"], strict=True)
                    ],
                    "documents": "Passports and ESTA are checked at the bag drop before the "
                    "boarding pass is issued."
                    if long_haul
                    else None,
                }
            )
        return {
            "record_locator": key,
            "booking_status": b["status"],
            "flights": rows,
            "rules": "Online check-in opens 24 hours before departure and closes 45 minutes "
            "before (60 minutes for New York).",
            "message": "The booking is cancelled." if b["status"] == "cancelled" else None,
        }

    @app.get(
        "/baggage",
        operation_id="getBaggageAllowance",
        summary="Baggage allowance by fare class and route type",
        description="Cabin and checked bags included per fare class (light, classic, flex, "
        "business) and route type (domestic, european, intercontinental), prices of extra "
        "and overweight bags, and rules for pets, sports equipment, liquids and power banks.",
    )
    def baggage(
        fare_class: FareClass | None = Query(None, description="Only this fare class."),
        route_type: RouteType | None = Query(None, description="Only this route type."),
    ) -> dict[str, Any]:
        allowances = {
            fare: {
                route: allowance
                for route, allowance in routes.items()
                if route_type is None or route == route_type
            }
            for fare, routes in AIR_BAGGAGE.items()
            if fare_class is None or fare == fare_class
        }
        return {
            "route_types": AIR_ROUTE_TYPES,
            "allowances": allowances,
            "not_sold": "Business fares are not sold on domestic flights.",
            "extra_bags": {
                route: prices
                for route, prices in AIR_EXTRA_BAGS.items()
                if route_type is None or route == route_type
            },
            **AIR_SPECIAL_BAGGAGE,
        }

    @app.get(
        "/lounges",
        operation_id="listLounges",
        summary="Find lounges",
        description="Lounges by airport: id, name, airport, area (schengen, non_schengen or "
        "domestic) and where to find it. Opening hours, closures, who gets in and the price "
        "of paid entry are in getLounge.",
    )
    def lounges(
        airport: str = Query("", description="Airport code or city, e.g. HEL. Empty: all."),
        area: Literal["schengen", "non_schengen", "domestic"] | None = Query(
            None, description="Only lounges in this area."
        ),
    ) -> dict[str, Any]:
        code = _airport_code(airport) if airport.strip() else None
        hits = [
            n
            for n, lounge in AIR_LOUNGES.items()
            if (code is None or lounge["airport"] == code)
            and (area is None or lounge["area"] == area)
        ]
        return {
            "total": len(hits),
            "lounges": [
                {
                    "id": n,
                    "name": AIR_LOUNGES[n]["name"],
                    "airport": AIR_LOUNGES[n]["airport"],
                    "city": AIRPORTS[AIR_LOUNGES[n]["airport"]]["city"],
                    "area": AIR_LOUNGES[n]["area"],
                    "location": AIR_LOUNGES[n]["location"],
                }
                for n in hits
            ],
            "message": None if hits else "No Revontuli lounge matches.",
        }

    @app.get(
        "/lounges/{lounge_id}",
        operation_id="getLounge",
        summary="A lounge's hours, access and amenities",
        description="Opening hours per weekday (null: closed all day), closures with dates and "
        "reasons, who gets in free (fare classes, RV Plus tiers), paid entry and its price, the "
        "longest stay and amenities. With a date: whether the lounge is open that day.",
    )
    def lounge(
        lounge_id: int = Path(description="Lounge id, e.g. 11."),
        date: str | None = Query(
            None, pattern=r"^\d{4}-\d{2}-\d{2}$", description="A day, YYYY-MM-DD (optional)."
        ),
    ) -> dict[str, Any]:
        found = AIR_LOUNGES.get(lounge_id)
        if found is None:
            raise HTTPException(
                404, f"No lounge with id {lounge_id}. Find lounge ids with listLounges."
            )
        out: dict[str, Any] = {"id": lounge_id, **found}
        if date:
            weekday = _weekday(date)
            closure = next((c for c in found["closures"] if c["from"] <= date <= c["until"]), None)
            hours = None if closure else found["hours"][weekday]
            out["on_date"] = {
                "date": date,
                "weekday": weekday,
                "open": hours is not None,
                "hours": hours,
                "reason": closure["reason"]
                if closure
                else (None if hours else f"Closed on {weekday}s."),
            }
        return out

    return app


# ---------------------------------------------------------------------------- waste

WASTE_DAY = "2026-11-27"
WASTE_SCHEDULE_UNTIL = "2027-03-31"
WASTE_WEEK_A = datetime.date(2026, 11, 23)  # a Monday: recycling weeks alternate A, B, A, ...
WASTE_HOLIDAYS = {
    "2026-11-26": "Thanksgiving Day",
    "2026-12-25": "Christmas Day",
    "2027-01-01": "New Year's Day",
}
WASTE_BINS = {
    "trash": "gray cart (64 gallons), weekly",
    "recycling": "blue cart (96 gallons), every other week",
    "organics": "green cart (96 gallons) for food scraps and yard waste, weekly",
}
WASTE_STREETS: dict[int, dict[str, Any]] = {
    101: {
        "name": "Maple Avenue",
        "numbers": (1, 199),
        "neighborhood": "Old Town",
        "zip": "12841",
        "day": "Thursday",
        "recycling_week": "B",
    },
    102: {
        "name": "Maple Avenue",
        "numbers": (200, 498),
        "neighborhood": "Northside",
        "zip": "12843",
        "day": "Friday",
        "recycling_week": "B",
    },
    103: {
        "name": "Maplewood Court",
        "numbers": (1, 40),
        "neighborhood": "Northside",
        "zip": "12843",
        "day": "Tuesday",
        "recycling_week": "A",
    },
    110: {
        "name": "Birch Street",
        "numbers": (1, 88),
        "neighborhood": "Old Town",
        "zip": "12841",
        "day": "Monday",
        "recycling_week": "B",
    },
    111: {
        "name": "Birchwood Drive",
        "numbers": (1, 120),
        "neighborhood": "Hillcrest",
        "zip": "12845",
        "day": "Wednesday",
        "recycling_week": "A",
    },
    120: {
        "name": "Harbor Road",
        "numbers": (1, 149),
        "neighborhood": "Waterfront",
        "zip": "12844",
        "day": "Friday",
        "recycling_week": "A",
    },
    121: {
        "name": "Harbor Road",
        "numbers": (150, 420),
        "neighborhood": "Waterfront",
        "zip": "12844",
        "day": "Tuesday",
        "recycling_week": "B",
    },
    130: {
        "name": "Elm Street",
        "numbers": (1, 260),
        "neighborhood": "Old Town",
        "zip": "12841",
        "day": "Thursday",
        "recycling_week": "A",
    },
    140: {
        "name": "Oak Lane",
        "numbers": (1, 95),
        "neighborhood": "Hillcrest",
        "zip": "12845",
        "day": "Wednesday",
        "recycling_week": "B",
    },
    150: {
        "name": "Depot Street",
        "numbers": (1, 60),
        "neighborhood": "Eastside",
        "zip": "12846",
        "day": "Monday",
        "recycling_week": "A",
    },
    151: {
        "name": "Quarry Road",
        "numbers": (1, 900),
        "neighborhood": "Eastside",
        "zip": "12846",
        "day": "Monday",
        "recycling_week": "A",
    },
    160: {
        "name": "Lakeview Terrace",
        "numbers": (1, 48),
        "neighborhood": "Lakeview",
        "zip": "12847",
        "day": None,
        "recycling_week": None,
    },
    170: {
        "name": "Church Street",
        "numbers": (1, 130),
        "neighborhood": "Old Town",
        "zip": "12841",
        "day": "Thursday",
        "recycling_week": "B",
    },
}
WASTE_NOT_SERVED = {
    160: "Lakeview Terrace is a private road: the city does not collect trash, recycling or "
    "organics there. Collection is arranged by the Lakeview Terrace Homeowners Association "
    "with Greenline Disposal (555-0142).",
}
WASTE_SEASONAL = [
    {
        "name": "Leaf collection",
        "from": "2026-10-05",
        "until": "2026-12-11",
        "text": "Up to 10 paper yard-waste bags of leaves next to the green cart on your "
        "collection day, free of charge. No plastic bags.",
    },
    {
        "name": "Christmas tree collection",
        "from": "2027-01-04",
        "until": "2027-01-15",
        "text": "Trees at the curb on your collection day, with all decorations, lights and "
        "the stand removed. Trees over 8 feet cut in half.",
    },
]
WASTE_SET_OUT = (
    "Carts at the curb by 6:00 a.m. on collection day (not before 6:00 p.m. the evening "
    "before), lids closed, 3 feet apart, handles facing the house."
)
WASTE_REPORTS: dict[str, dict[str, Any]] = {
    "MC-48213": {
        "address": "27 Oak Lane",
        "street_id": 140,
        "bin": "recycling",
        "collection_date": "2026-11-18",
        "reported_at": "2026-11-18T16:05",
        "status": "closed",
        "outcome": "not_collected_cart_not_out",
        "return_trip": None,
        "closed_on": "2026-11-19",
        "resolution": "The truck passed at 06:41; the driver's photo shows no blue cart at the "
        "curb. Carts must be out by 6:00 a.m., so there is no return trip. Put the recycling "
        "out on your next recycling day, Wednesday 2026-12-02; extra recycling in a cardboard "
        "box next to the cart is taken that day.",
    },
    "MC-48290": {
        "address": "64 Birchwood Drive",
        "street_id": 111,
        "bin": "organics",
        "collection_date": "2026-11-25",
        "reported_at": "2026-11-25T19:20",
        "status": "scheduled",
        "outcome": "missed_by_crew",
        "return_trip": {"date": "2026-11-28", "by": "17:00"},
        "closed_on": None,
        "resolution": "The crew missed the cart. A truck returns on Saturday 2026-11-28 by "
        "5:00 p.m.; leave the green cart at the curb until then.",
    },
    "MC-48317": {
        "address": "12 Church Street",
        "street_id": 170,
        "bin": "trash",
        "collection_date": "2026-11-27",
        "reported_at": "2026-11-27T08:10",
        "status": "open",
        "outcome": None,
        "return_trip": None,
        "closed_on": None,
        "resolution": "Reported too early: Thursday routes are collected on Friday 2026-11-27 "
        "this week (Thanksgiving) and trucks run until 5:00 p.m. If the cart is still full "
        "after 5:00 p.m., the report will be sent to the crew.",
    },
}
WASTE_BULKY: dict[str, dict[str, Any]] = {
    "BP-30571": {
        "status": "scheduled",
        "address": "118 Harbor Road",
        "pickup_date": "2026-12-01",
        "items": [
            {"item": "sofa", "fee_usd": 15.0},
            {"item": "mattress (wrapped in plastic)", "fee_usd": 15.0},
        ],
        "total_usd": 30.0,
        "paid": True,
        "paid_on": "2026-11-20",
        "booked_on": "2026-11-19",
        "cancellation": None,
        "completed_on": None,
        "note": None,
    },
    "BP-30544": {
        "status": "cancelled",
        "address": "9 Elm Street",
        "pickup_date": "2026-11-30",
        "items": [
            {"item": "armchair", "fee_usd": 15.0},
            {"item": "dresser", "fee_usd": 15.0},
            {"item": "kitchen table", "fee_usd": 15.0},
        ],
        "total_usd": 45.0,
        "paid": False,
        "paid_on": None,
        "booked_on": "2026-11-21",
        "cancellation": {
            "cancelled_on": "2026-11-25",
            "by": "city",
            "reason": "The fee of 45.00 USD was not paid within 3 days of booking.",
        },
        "completed_on": None,
        "note": "Book again online or at 555-0100 and pay when you book; the next free "
        "pickup days for Elm Street are Monday 2026-12-07 and Wednesday 2026-12-09.",
    },
    "BP-30602": {
        "status": "completed",
        "address": "230 Maple Avenue",
        "pickup_date": "2026-11-24",
        "items": [{"item": "refrigerator", "fee_usd": 35.0}],
        "total_usd": 35.0,
        "paid": True,
        "paid_on": "2026-11-18",
        "booked_on": "2026-11-17",
        "cancellation": None,
        "completed_on": "2026-11-24",
        "note": None,
    },
}
WASTE_BULKY_RULES = (
    "Items at the curb after 6:00 p.m. the evening before and by 6:00 a.m. on the pickup "
    "day, apart from the carts. Mattresses must be wrapped in plastic. At most 5 items."
)
WASTE_CENTERS: dict[int, dict[str, Any]] = {
    1: {
        "name": "Quarry Road Transfer Station",
        "type": "transfer_station",
        "aliases": "dump landfill transfer station",
        "address": {"street": "800 Quarry Road", "city": "Westbrook Falls", "zip": "12846"},
        "phone": "555-0160",
        "hours": {
            "Monday": None,
            **{key: {"open": "08:00", "close": "17:00"} for key in WEEK[1:5]},
            "Saturday": {"open": "08:00", "close": "16:00"},
            "Sunday": None,
        },
        "season": None,
        "closures": [
            {"date": day, "reason": f"Closed for {name}."} for day, name in WASTE_HOLIDAYS.items()
        ],
        "accepts": [
            "trash",
            "recycling",
            "cardboard",
            "glass",
            "electronics",
            "batteries",
            "scrap_metal",
            "appliances",
            "mattresses",
            "tires",
            "yard_waste",
            "used_oil",
            "hazardous",
        ],
        "special_hours": [
            {
                "material": "household hazardous waste (oil-based paint, chemicals, pesticides, "
                "small propane cylinders)",
                "when": "Saturdays 08:00-12:00 only; residents only.",
            }
        ],
        "not_accepted": ["asbestos", "ammunition and explosives", "medical sharps"],
        "notes": "Last car admitted 15 minutes before closing. Fees for trash, mattresses, "
        "tires and appliances are in getFees.",
    },
    2: {
        "name": "Eastside Recycling Center",
        "type": "recycling_center",
        "aliases": "recycling centre",
        "address": {"street": "15 Depot Street", "city": "Westbrook Falls", "zip": "12846"},
        "phone": "555-0165",
        "hours": {
            **{
                day: None if day == "Wednesday" else {"open": "10:00", "close": "18:00"}
                for day in WEEK[:5]
            },
            "Saturday": {"open": "09:00", "close": "15:00"},
            "Sunday": {"open": "10:00", "close": "14:00"},
        },
        "season": None,
        "closures": [
            {"date": "2026-11-26", "reason": "Closed for Thanksgiving Day."},
            {"date": "2026-11-28", "reason": "Closed all day for compactor repair."},
            {"date": "2026-12-25", "reason": "Closed for Christmas Day."},
            {"date": "2027-01-01", "reason": "Closed for New Year's Day."},
        ],
        "accepts": [
            "recycling",
            "cardboard",
            "glass",
            "electronics",
            "batteries",
            "scrap_metal",
            "yard_waste",
        ],
        "special_hours": [],
        "not_accepted": [
            "trash",
            "mattresses",
            "tires",
            "appliances with refrigerant",
            "hazardous waste",
        ],
        "notes": "Free for residents. Cars only; no trailers or trucks over 1 ton.",
    },
    3: {
        "name": "Northside Leaf & Brush Site",
        "type": "yard_waste_site",
        "aliases": "leaves brush compost",
        "address": {"street": "2 Reservoir Lane", "city": "Westbrook Falls", "zip": "12843"},
        "phone": "555-0160",
        "hours": {
            **dict.fromkeys(WEEK[:5], None),
            "Saturday": {"open": "09:00", "close": "15:00"},
            "Sunday": {"open": "09:00", "close": "15:00"},
        },
        "season": {"from": "2026-04-04", "until": "2026-11-29", "reopens": "2027-04-03"},
        "closures": [],
        "accepts": ["yard_waste"],
        "special_hours": [],
        "not_accepted": ["anything other than leaves, grass, brush and branches", "stumps"],
        "notes": "Free for residents. Leaves in paper bags or loose; no plastic bags.",
    },
}
WASTE_ITEMS: list[dict[str, Any]] = [
    {
        "id": "pizza-box",
        "name": "Pizza box",
        "keywords": "pizza box cardboard",
        "disposal": [
            {
                "where": "recycling",
                "when": "Clean parts with no grease or food (tear off the lid).",
            },
            {"where": "organics", "when": "Greasy parts or with food stuck to them."},
        ],
        "not_in": [],
        "why": "Grease spoils paper for recycling; it composts well.",
    },
    {
        "id": "batteries",
        "name": "Household batteries (AA, AAA, C, D, 9V, button cells, rechargeable)",
        "keywords": "battery batteries aa aaa 9v button cell rechargeable lithium alkaline",
        "disposal": [
            {
                "where": "drop_off",
                "when": "Free at the Quarry Road Transfer Station and the Eastside Recycling "
                "Center.",
            },
            {
                "where": "drop_box",
                "when": "Battery drop box at the Westbrook Falls Public Library, 22 Main Street.",
            },
        ],
        "not_in": ["trash", "recycling", "organics"],
        "why": "Batteries start fires in garbage trucks. Tape the ends of lithium and 9V "
        "batteries.",
    },
    {
        "id": "car-battery",
        "name": "Car battery (lead-acid)",
        "keywords": "car truck boat battery lead acid",
        "disposal": [
            {"where": "drop_off", "when": "Free at the Quarry Road Transfer Station only."},
            {"where": "retailer", "when": "Stores selling car batteries take the old one back."},
        ],
        "not_in": ["trash", "recycling", "organics"],
        "why": None,
    },
    {
        "id": "plastic-bags",
        "name": "Plastic bags and film (grocery bags, bread bags, bubble wrap)",
        "keywords": "plastic bag grocery shopping film wrap bubble",
        "disposal": [
            {
                "where": "store_drop_off",
                "when": "Clean and dry: plastic bag collection bins at grocery stores "
                "(FreshWay, Miller's Market).",
            },
            {"where": "trash", "when": "Dirty bags and film."},
        ],
        "not_in": ["recycling", "organics"],
        "why": "Bags wrap around the sorting machines. Never bag your recycling: put it in the "
        "blue cart loose.",
    },
    {
        "id": "foam",
        "name": "Polystyrene foam (Styrofoam): cups, trays, packing blocks and peanuts",
        "keywords": "styrofoam polystyrene foam packing peanuts cup tray",
        "disposal": [
            {"where": "trash", "when": "Always."},
            {"where": "retailer", "when": "Packing peanuts: shipping stores take clean ones."},
        ],
        "not_in": ["recycling", "organics"],
        "why": "Foam cannot be recycled in Westbrook Falls.",
    },
    {
        "id": "glass",
        "name": "Glass bottles and jars",
        "keywords": "glass bottle jar wine beer",
        "disposal": [
            {
                "where": "drop_off",
                "when": "Glass containers at the Eastside Recycling Center and the Quarry Road "
                "Transfer Station, free. Rinsed, lids off.",
            }
        ],
        "not_in": ["recycling", "organics"],
        "why": "Glass is not collected in the blue cart since 2025: broken glass spoiled the "
        "paper.",
    },
    {
        "id": "electronics",
        "name": "Electronics: TVs, computers, monitors, printers, phones",
        "keywords": "tv television computer laptop monitor printer phone electronics e-waste",
        "disposal": [
            {
                "where": "drop_off",
                "when": "Free at the Quarry Road Transfer Station and the Eastside Recycling "
                "Center.",
            }
        ],
        "not_in": ["trash", "recycling", "organics", "bulky_pickup"],
        "why": "State law bans electronics from the trash.",
    },
    {
        "id": "mattress",
        "name": "Mattress or box spring",
        "keywords": "mattress box spring bed",
        "disposal": [
            {"where": "bulky_pickup", "when": "15 USD, wrapped in plastic."},
            {"where": "drop_off", "when": "Quarry Road Transfer Station, 20 USD."},
        ],
        "not_in": ["trash", "recycling"],
        "why": None,
    },
    {
        "id": "furniture",
        "name": "Furniture: sofa, couch, armchair, table, dresser",
        "keywords": "sofa couch armchair chair table dresser furniture wardrobe",
        "disposal": [
            {"where": "bulky_pickup", "when": "15 USD per item."},
            {"where": "drop_off", "when": "Quarry Road Transfer Station, as household trash."},
        ],
        "not_in": ["trash", "recycling"],
        "why": None,
    },
    {
        "id": "paint",
        "name": "Paint",
        "keywords": "paint latex oil stain can",
        "disposal": [
            {
                "where": "trash",
                "when": "Latex (water-based) paint once completely dried out (add cat litter), "
                "lid off.",
            },
            {
                "where": "hazardous_drop_off",
                "when": "Oil-based paint and stain: Quarry Road Transfer Station, Saturdays "
                "08:00-12:00, free for residents.",
            },
        ],
        "not_in": ["recycling", "organics"],
        "why": None,
    },
    {
        "id": "propane",
        "name": "Propane cylinders and tanks",
        "keywords": "propane tank cylinder gas bbq grill camping",
        "disposal": [
            {
                "where": "hazardous_drop_off",
                "when": "Small 1 lb camping cylinders: Quarry Road Transfer Station, Saturdays "
                "08:00-12:00.",
            },
            {"where": "retailer", "when": "20 lb grill tanks: exchange at a propane dealer."},
        ],
        "not_in": ["trash", "recycling", "organics"],
        "why": "Cylinders can explode in the truck.",
    },
    {
        "id": "food-scraps",
        "name": "Food scraps (including meat, bones, dairy, coffee grounds, tea bags)",
        "keywords": "food scraps leftovers meat bones fish dairy coffee grounds tea eggshells "
        "fruit vegetables",
        "disposal": [{"where": "organics", "when": "Loose or in paper bags; no plastic bags."}],
        "not_in": ["recycling"],
        "why": None,
    },
    {
        "id": "yard-waste",
        "name": "Leaves, grass and branches",
        "keywords": "leaves leaf grass clippings branches brush yard garden",
        "disposal": [
            {"where": "organics", "when": "Branches under 4 feet long and 4 inches thick."},
            {
                "where": "next_to_organics_cart",
                "when": "Leaf collection until 2026-12-11: up to 10 paper yard-waste bags.",
            },
            {
                "where": "drop_off",
                "when": "Larger loads: Northside Leaf & Brush Site or Quarry Road.",
            },
        ],
        "not_in": ["trash", "recycling"],
        "why": None,
    },
    {
        "id": "coffee-cups",
        "name": "Paper coffee cups",
        "keywords": "coffee cup paper takeaway to-go",
        "disposal": [{"where": "trash", "when": "Cups; plastic lids go in the recycling."}],
        "not_in": ["organics"],
        "why": "The cups have a plastic lining.",
    },
    {
        "id": "cardboard",
        "name": "Cardboard boxes",
        "keywords": "cardboard box carton moving shipping",
        "disposal": [
            {"where": "recycling", "when": "Flattened, inside the blue cart."},
            {"where": "drop_off", "when": "Large amounts: Eastside or Quarry Road, free."},
        ],
        "not_in": ["trash"],
        "why": None,
    },
    {
        "id": "diapers",
        "name": "Diapers",
        "keywords": "diaper nappies",
        "disposal": [{"where": "trash", "when": "Bagged."}],
        "not_in": ["recycling", "organics"],
        "why": None,
    },
    {
        "id": "medicines",
        "name": "Medicines and pills",
        "keywords": "medicine medication pills drugs prescription",
        "disposal": [
            {"where": "drop_box", "when": "Police station lobby, 5 Court Street, any time."}
        ],
        "not_in": ["recycling", "organics", "toilet"],
        "why": None,
    },
    {
        "id": "christmas-tree",
        "name": "Christmas tree",
        "keywords": "christmas xmas tree pine fir",
        "disposal": [
            {
                "where": "curbside",
                "when": "Tree collection 2027-01-04 to 2027-01-15 on your collection day, with "
                "decorations and the stand removed.",
            },
            {
                "where": "drop_off",
                "when": "Northside Leaf & Brush Site (from April) or Quarry Road.",
            },
        ],
        "not_in": ["trash", "recycling"],
        "why": None,
    },
]
WASTE_FEES: dict[str, Any] = {
    "carts": {
        "included": "One gray trash cart (64 gallons), one blue recycling cart and one green "
        "organics cart, paid by the quarterly utility bill (41.70 USD per quarter).",
        "extra_trash_cart": {"usd_per_month": 8.5, "delivery_usd": 25.0},
        "larger_trash_cart_96_gallons": {"usd_per_month": 6.0, "swap_usd": 0.0},
        "extra_recycling_cart": {"usd_per_month": 0.0, "delivery_usd": 0.0},
        "extra_organics_cart": {"usd_per_month": 4.0, "delivery_usd": 25.0},
        "replacement": {"damaged_by_truck_usd": 0.0, "lost_or_stolen_usd": 65.0},
        "order": "Online or at 555-0100; delivered within 10 working days.",
    },
    "extra_bags": {
        "tag_usd": 3.0,
        "rule": "Extra trash bags next to the gray cart are collected only with a city extra-bag "
        "tag on each bag; bags without a tag are left behind.",
        "bag_max": "32 gallons and 40 lbs per bag",
        "tags_sold_at": [
            "City Hall cashier, 1 Main Street",
            "Westbrook Falls Public Library, 22 Main Street",
            "FreshWay and Miller's Market grocery stores",
        ],
        "extra_recycling": "Extra recycling in a cardboard box next to the blue cart: free.",
        "extra_leaves": "Paper yard-waste bags of leaves next to the green cart: free during "
        "leaf collection (until 2026-12-11).",
    },
    "bulky_pickup": {
        "usd_per_item": 15.0,
        "appliance_with_refrigerant_usd": 35.0,
        "max_items_per_pickup": 5,
        "payment": "Pay within 3 days of booking, or the booking is cancelled.",
        "booking": "Online or at 555-0100, at least 2 working days ahead; pickups Monday to "
        "Friday.",
        "not_collected": [
            "construction and renovation debris",
            "tires",
            "hazardous waste",
            "electronics",
            "items heavier than 150 lbs",
        ],
    },
    "drop_off": {
        "proof_of_residence": "Driver's license or utility bill with a Westbrook Falls address.",
        "fees": [
            {
                "material": "Household trash",
                "unit": "carload",
                "resident_usd": 10.0,
                "non_resident_usd": 25.0,
            },
            {
                "material": "Recycling, cardboard, glass, scrap metal, electronics, batteries, used oil",
                "unit": None,
                "resident_usd": 0.0,
                "non_resident_usd": 5.0,
            },
            {
                "material": "Yard waste and brush",
                "unit": "carload",
                "resident_usd": 0.0,
                "non_resident_usd": 10.0,
            },
            {
                "material": "Mattress or box spring",
                "unit": "piece",
                "resident_usd": 20.0,
                "non_resident_usd": 35.0,
            },
            {
                "material": "Car tire without rim",
                "unit": "tire",
                "resident_usd": 5.0,
                "non_resident_usd": 8.0,
            },
            {
                "material": "Appliance with refrigerant (fridge, freezer, air conditioner)",
                "unit": "piece",
                "resident_usd": 20.0,
                "non_resident_usd": 35.0,
            },
            {
                "material": "Household hazardous waste",
                "unit": None,
                "resident_usd": 0.0,
                "non_resident_usd": None,
            },
        ],
        "notes": "Household hazardous waste: residents only. Card or check; no cash.",
    },
}
_STREET_WORDS = {
    "st": "street",
    "ave": "avenue",
    "av": "avenue",
    "rd": "road",
    "dr": "drive",
    "ln": "lane",
    "ct": "court",
    "ter": "terrace",
    "terr": "terrace",
}


def _recycling_week(day: datetime.date) -> str:
    monday = day - datetime.timedelta(day.weekday())
    return "A" if ((monday - WASTE_WEEK_A).days // 7) % 2 == 0 else "B"


def _collections(street: dict[str, Any], start: datetime.date, days: int) -> list[dict[str, Any]]:
    """The street's collections from start on, for days days, with holiday shifts."""
    out = []
    first_monday = start - datetime.timedelta(start.weekday())
    route_day = WEEK.index(street["day"])
    for week in range(days // 7 + 2):
        monday = first_monday + datetime.timedelta(7 * week)
        regular = monday + datetime.timedelta(route_day)
        day, shifted_from, reason = regular, None, None
        for i in range(route_day + 1):
            holiday = (monday + datetime.timedelta(i)).isoformat()
            if holiday in WASTE_HOLIDAYS:
                day = regular + datetime.timedelta(1)
                shifted_from = regular.isoformat()
                reason = (
                    f"{WASTE_HOLIDAYS[holiday]} ({WEEK[i]} {holiday}): collections on that day "
                    "and later in the week move one day later."
                )
        if not start <= day < start + datetime.timedelta(days):
            continue
        bins = ["trash"]
        if _recycling_week(regular) == street["recycling_week"]:
            bins.append("recycling")
        bins.append("organics")
        out.append(
            {
                "date": day.isoformat(),
                "weekday": WEEK[day.weekday()],
                "bins": bins,
                "shifted_from": shifted_from,
                "reason": reason,
            }
        )
    return out


def _street_query(text: str) -> tuple[list[str], int | None]:
    """Street name words (abbreviations spelled out) and a house number, if the text has one."""
    words, number = [], None
    for word in re.sub(r"[^\w\s]", " ", _fold(text)).split():
        if word.isdigit():
            number = int(word)
        else:
            if word not in ("westbrook", "falls", "the"):
                words.append(_STREET_WORDS.get(word, word))
    return words, number


def _waste_key(reference: str, prefix: str, table: dict[str, Any], what: str) -> str:
    """A reference as printed ("MC-48213"), also as "mc48213", "MC 48213" or "48213"."""
    wanted = "".join(c for c in reference.upper() if c.isalnum())
    if wanted.isdigit():
        wanted = f"{prefix}{wanted}"
    for key in table:
        if key.replace("-", "") == wanted:
            return key
    raise HTTPException(404, f"No {what} with reference {reference}.")


def _item_words(text: str) -> list[str]:
    stop = {"the", "an", "old", "my", "used", "empty", "dead", "some", "of", "and", "or"}
    words = []
    for word in re.sub(r"[^\w\s-]", " ", _fold(text)).split():
        if word in stop or len(word) < 2:
            continue
        if len(word) > 4 and word.endswith("es"):
            word = word[:-2]
        elif len(word) > 3 and word.endswith("s"):
            word = word[:-1]
        words.append(word)
    return words


def _center_open(center: dict[str, Any], day: str) -> tuple[dict[str, str] | None, str | None]:
    """A drop-off center's hours on a date (None: closed) and why it is closed."""
    weekday = _weekday(day)
    closure = next((c for c in center["closures"] if c["date"] == day), None)
    if closure:
        return None, closure["reason"]
    season = center["season"]
    if season and not season["from"] <= day <= season["until"]:
        return None, f"Closed for the winter; reopens {season['reopens']}."
    hours = center["hours"][weekday]
    return hours, None if hours else f"Closed on {weekday}s."


Material = Literal[
    "trash",
    "recycling",
    "cardboard",
    "glass",
    "electronics",
    "batteries",
    "scrap_metal",
    "appliances",
    "mattresses",
    "tires",
    "yard_waste",
    "used_oil",
    "hazardous",
]


def create_waste_app(server_url: str) -> FastAPI:
    app = FastAPI(
        title="City of Westbrook Falls Solid Waste API",
        version="2.4.0",
        description="Trash, recycling and organics collection days by street, what goes in "
        "which cart, drop-off centers, bulky item pickups, missed-collection reports and fees "
        "of the City of Westbrook Falls Department of Public Works. Prices in USD.",
        servers=[{"url": server_url}],
    )

    @app.get(
        "/streets",
        operation_id="searchStreets",
        summary="Find a street",
        description="Streets by name, optionally with a house number: id, name, the house "
        "numbers the entry covers (long streets are split between routes), neighborhood and "
        "ZIP code. Collection days are in getCollectionSchedule.",
    )
    def streets(
        q: str = Query(description="Street name or part of it, e.g. Maple Ave or 310 Maple Ave."),
        number: int | None = Query(None, ge=1, description="House number (optional)."),
    ) -> dict[str, Any]:
        words, in_text = _street_query(q)
        house = number if number is not None else in_text
        hits = [
            n
            for n, s in WASTE_STREETS.items()
            if words
            and all(w in _fold(s["name"]) for w in words)
            and (house is None or s["numbers"][0] <= house <= s["numbers"][1])
        ]
        return {
            "total": len(hits),
            "streets": [
                {
                    "id": n,
                    "name": WASTE_STREETS[n]["name"],
                    "house_numbers": "{}-{}".format(*WASTE_STREETS[n]["numbers"]),
                    "neighborhood": WASTE_STREETS[n]["neighborhood"],
                    "zip": WASTE_STREETS[n]["zip"],
                }
                for n in hits
            ],
            "message": None if hits else f"No street matches {q!r}.",
        }

    @app.get(
        "/streets/{street_id}/collections",
        operation_id="getCollectionSchedule",
        summary="Collection calendar of a street",
        description="The regular collection day and recycling week, the dates of the coming "
        "collections with the carts collected each time (trash, recycling, organics), "
        "collections moved by a holiday (the usual date and why), the next date per cart, "
        "seasonal collections (leaves, Christmas trees) and how to set the carts out.",
    )
    def collections(
        street_id: int = Path(description="Street id from searchStreets, e.g. 101."),
        from_date: str | None = Query(
            None,
            alias="from",
            pattern=r"^\d{4}-\d{2}-\d{2}$",
            description="First day, YYYY-MM-DD. Default: today.",
        ),
        weeks: int = Query(2, ge=1, le=8, description="How many weeks to show."),
    ) -> dict[str, Any]:
        street = WASTE_STREETS.get(street_id)
        if street is None:
            raise HTTPException(
                404, f"No street with id {street_id}. Find street ids with searchStreets."
            )
        start = from_date or WASTE_DAY
        _weekday(start)
        if start > WASTE_SCHEDULE_UNTIL:
            raise HTTPException(422, f"The calendar is published until {WASTE_SCHEDULE_UNTIL}.")
        out: dict[str, Any] = {
            "street": {
                "id": street_id,
                "name": street["name"],
                "house_numbers": "{}-{}".format(*street["numbers"]),
                "neighborhood": street["neighborhood"],
            },
        }
        if street["day"] is None:
            return {
                **out,
                "city_collection": False,
                "regular": None,
                "collections": [],
                "next": None,
                "note": WASTE_NOT_SERVED[street_id],
            }
        first = datetime.date.fromisoformat(start)
        upcoming = _collections(street, first, 7 * weeks)
        ahead = _collections(street, first, 21)
        end = (first + datetime.timedelta(7 * weeks - 1)).isoformat()
        return {
            **out,
            "city_collection": True,
            "regular": {
                "day": street["day"],
                "trash": "weekly",
                "organics": "weekly",
                "recycling": f"every other week (week {street['recycling_week']})",
            },
            "from": start,
            "to": end,
            "collections": upcoming,
            "next": {
                bin_type: next((c["date"] for c in ahead if bin_type in c["bins"]), None)
                for bin_type in WASTE_BINS
            },
            "seasonal": [s for s in WASTE_SEASONAL if s["until"] >= start and s["from"] <= end],
            "carts": WASTE_BINS,
            "set_out": WASTE_SET_OUT,
        }

    @app.get(
        "/missed-collections/{reference}",
        operation_id="getMissedCollectionReport",
        summary="A missed-collection report",
        description="Status of a report that a cart was not emptied (open, scheduled or "
        "closed): address, cart, collection date, when it was reported, the outcome, the "
        "return trip (date and time) or null, and the resolution.",
    )
    def missed_collection(
        reference: str = Path(description="Report reference, e.g. MC-48213."),
    ) -> dict[str, Any]:
        key = _waste_key(reference, "MC", WASTE_REPORTS, "missed-collection report")
        r = WASTE_REPORTS[key]
        return {
            "reference": key,
            **{k: v for k, v in r.items() if k != "street_id"},
            "collection_weekday": _weekday(r["collection_date"]),
        }

    @app.get(
        "/items",
        operation_id="searchItems",
        summary="Which cart or drop-off an item goes to",
        description="Items by name: where each goes (trash, recycling, organics, a drop-off "
        "center, bulky pickup, a store take-back or drop box), under what condition, the carts "
        "it must never go in and why.",
    )
    def items(
        q: str = Query(description="The item, e.g. pizza box or batteries."),
    ) -> dict[str, Any]:
        words = _item_words(q)

        def matched(item: dict[str, Any]) -> int:
            haystack = _fold(f"{item['name']} {item['keywords']}")
            return sum(w in haystack for w in words)

        hits = [i for i in WASTE_ITEMS if words and matched(i) == len(words)]
        partial = False
        if not hits:
            hits = sorted((i for i in WASTE_ITEMS if matched(i)), key=lambda i: -matched(i))[:3]
            partial = bool(hits)
        message = None
        if partial:
            message = "No exact match; the closest items."
        elif not hits:
            message = "No item matches. Try a simpler word, or call 555-0100."
        return {
            "total": len(hits),
            "items": [{k: v for k, v in i.items() if k != "keywords"} for i in hits],
            "carts": WASTE_BINS,
            "message": message,
        }

    @app.get(
        "/drop-off-centers",
        operation_id="listDropOffCenters",
        summary="Find drop-off centers",
        description="The city's transfer station, recycling center and yard-waste site: id, "
        "name, type and address, optionally only those taking a material. Opening hours, "
        "closures and everything each accepts are in getDropOffCenter.",
    )
    def centers(
        q: str = Query("", description="Part of the name, e.g. Quarry Road. Empty: all."),
        material: Material | None = Query(None, description="Only centers accepting this."),
    ) -> dict[str, Any]:
        ignore = {"the", "center", "centre", "recycling", "station", "site", "drop", "off"}
        words = [w for w in re.sub(r"[^\w\s]", " ", _fold(q)).split() if w not in ignore]
        hits = [
            n
            for n, c in WASTE_CENTERS.items()
            if (material is None or material in c["accepts"])
            and all(
                w in _fold(f"{c['name']} {c['address']['street']} {c['aliases']}") for w in words
            )
        ]
        return {
            "total": len(hits),
            "centers": [
                {
                    "id": n,
                    "name": WASTE_CENTERS[n]["name"],
                    "type": WASTE_CENTERS[n]["type"],
                    "address": WASTE_CENTERS[n]["address"],
                }
                for n in hits
            ],
            "message": None if hits else "No drop-off center matches.",
        }

    @app.get(
        "/drop-off-centers/{center_id}",
        operation_id="getDropOffCenter",
        summary="A drop-off center's hours and what it accepts",
        description="Address, phone, opening hours per weekday (null: closed all day), the "
        "season for seasonal sites, holiday and one-off closures, what it accepts and does "
        "not accept, special hours for some materials, and notes. With a date: whether it is "
        "open that day.",
    )
    def center(
        center_id: int = Path(description="Center id, e.g. 1."),
        date: str | None = Query(
            None, pattern=r"^\d{4}-\d{2}-\d{2}$", description="A day, YYYY-MM-DD (optional)."
        ),
    ) -> dict[str, Any]:
        c = WASTE_CENTERS.get(center_id)
        if c is None:
            raise HTTPException(
                404, f"No drop-off center with id {center_id}. Find ids with listDropOffCenters."
            )
        out: dict[str, Any] = {"id": center_id, **{k: v for k, v in c.items() if k != "aliases"}}
        if date:
            hours, reason = _center_open(c, date)
            out["on_date"] = {
                "date": date,
                "weekday": _weekday(date),
                "open": hours is not None,
                "hours": hours,
                "reason": reason,
            }
        return out

    @app.get(
        "/bulky-pickups/{booking_number}",
        operation_id="getBulkyPickup",
        summary="A bulky item pickup booking",
        description="Status (scheduled, cancelled or completed), address, pickup date, the "
        "items and their fees, whether the fee is paid, the cancellation (date, by whom, "
        "reason), and how to set the items out.",
    )
    def bulky_pickup(
        booking_number: str = Path(description="Booking number, e.g. BP-30571."),
    ) -> dict[str, Any]:
        key = _waste_key(booking_number, "BP", WASTE_BULKY, "bulky pickup booking")
        b = WASTE_BULKY[key]
        return {
            "booking_number": key,
            **b,
            "pickup_weekday": _weekday(b["pickup_date"]),
            "set_out": WASTE_BULKY_RULES if b["status"] == "scheduled" else None,
        }

    @app.get(
        "/fees",
        operation_id="getFees",
        summary="Fees and charges",
        description="Carts (what is included, extra and larger carts, replacements), extra "
        "trash bags (tags, price, where to buy), bulky item pickups (price per item, what is "
        "not collected) and drop-off fees per material for residents and non-residents. "
        "Optionally one topic.",
    )
    def fees(
        topic: Literal["carts", "extra_bags", "bulky_pickup", "drop_off"] | None = Query(
            None, description="Only this topic."
        ),
    ) -> dict[str, Any]:
        if topic:
            return {"topic": topic, topic: WASTE_FEES[topic]}
        return {"city": "Westbrook Falls", **WASTE_FEES}

    return app


# ---------------------------------------------------------------------------- restaurant

RESTO_DAY = "2026-12-22"  # a Tuesday
RESTO_BOOKING_UNTIL = "2027-02-28"
RESTO_EVENTS_EMAIL = "events@saffronandsalt.co.uk"
RESTO_LOCATIONS: dict[int, dict[str, Any]] = {
    12: {
        "name": "Saffron & Salt Harbourside",
        "area": "Harbourside",
        "aliases": "harbour harbor waterfront city centre center quay",
        "address": {"street": "3 Narrow Quay", "city": "Bristol", "postcode": "BS1 4QA"},
        "phone": "0117 496 0121",
        "email": "harbourside@saffronandsalt.co.uk",
        "hours": {
            "Monday": None,
            **{key: {"open": "12:00", "close": "22:00"} for key in WEEK[1:4]},
            "Friday": {"open": "12:00", "close": "23:00"},
            "Saturday": {"open": "12:00", "close": "23:00"},
            "Sunday": {"open": "12:00", "close": "21:00"},
        },
        "special_hours": [
            {
                "date": "2026-12-24",
                "open": "12:00",
                "close": "16:00",
                "reason": "Christmas Eve: lunch only, last table at 14:30.",
            },
            {
                "date": "2026-12-31",
                "open": "18:00",
                "close": "01:00",
                "reason": "New Year's Eve: set menu only (65 GBP per person).",
            },
        ],
        "closures": [
            {"date": "2026-12-25", "reason": "Closed for Christmas Day."},
            {"date": "2027-01-01", "reason": "Closed for New Year's Day."},
        ],
        "services": ["dine-in", "takeaway"],
        "seats": 110,
        "max_party_online": 8,
        "private_dining": "Private dining room for 10 to 20 guests: " + RESTO_EVENTS_EMAIL,
        "accessibility": "Step-free entrance and an accessible toilet on the ground floor.",
        "notes": "Heated terrace (30 seats) on the water; dogs welcome on the terrace.",
    },
    15: {
        "name": "Saffron & Salt Clifton",
        "area": "Clifton Village",
        "aliases": "clifton village",
        "address": {
            "street": "41 Princess Victoria Street",
            "city": "Bristol",
            "postcode": "BS8 4BX",
        },
        "phone": "0117 496 0158",
        "email": "clifton@saffronandsalt.co.uk",
        "hours": {
            "Monday": {"open": "17:00", "close": "22:00"},
            "Tuesday": None,
            "Wednesday": {"open": "17:00", "close": "22:00"},
            "Thursday": {"open": "17:00", "close": "22:00"},
            "Friday": {"open": "12:00", "close": "22:30"},
            "Saturday": {"open": "12:00", "close": "22:30"},
            "Sunday": {"open": "12:00", "close": "17:00"},
        },
        "special_hours": [],
        "closures": [
            {"date": "2026-12-25", "reason": "Closed for Christmas Day."},
            {"date": "2026-12-26", "reason": "Closed for Boxing Day."},
        ],
        "services": ["dine-in"],
        "seats": 48,
        "max_party_online": 6,
        "private_dining": None,
        "accessibility": "Three steps at the entrance; no accessible toilet.",
        "notes": "Dinner only from Monday to Thursday. Children welcome until 19:00.",
    },
    18: {
        "name": "Saffron & Salt Gloucester Road",
        "area": "Bishopston",
        "aliases": "gloucester road glos road bishopston horfield",
        "address": {"street": "212 Gloucester Road", "city": "Bristol", "postcode": "BS7 8NU"},
        "phone": "0117 496 0189",
        "email": "gloucesterroad@saffronandsalt.co.uk",
        "hours": {
            **{key: {"open": "11:30", "close": "21:30"} for key in WEEK[:4]},
            "Friday": {"open": "11:30", "close": "22:30"},
            "Saturday": {"open": "11:30", "close": "22:30"},
            "Sunday": None,
        },
        "special_hours": [],
        "closures": [
            {"date": "2026-12-25", "reason": "Closed for Christmas Day."},
            {"date": "2026-12-26", "reason": "Closed for Boxing Day."},
        ],
        "services": ["dine-in", "takeaway", "delivery"],
        "seats": 40,
        "max_party_online": 8,
        "private_dining": None,
        "accessibility": "Step-free entrance; accessible toilet.",
        "notes": "Our delivery kitchen: every delivery order is cooked here.",
    },
}
RESTO_DISHES: dict[str, dict[str, Any]] = {
    "hummus": {
        "course": "small_plates",
        "name": "Hummus with warm flatbread",
        "description": "Chickpeas, tahini, lemon and olive oil.",
        "price_gbp": 6.5,
        "allergens": ["sesame", "gluten"],
        "vegan": True,
        "vegetarian": True,
        "gluten_free": False,
    },
    "baba-ganoush": {
        "course": "small_plates",
        "name": "Baba ganoush with crudités",
        "description": "Smoked aubergine, tahini and pomegranate.",
        "price_gbp": 6.5,
        "allergens": ["sesame"],
        "vegan": True,
        "vegetarian": True,
        "gluten_free": True,
    },
    "halloumi-fries": {
        "course": "small_plates",
        "name": "Halloumi fries with za'atar and pomegranate",
        "description": "Battered halloumi, za'atar, pomegranate molasses.",
        "price_gbp": 7.0,
        "allergens": ["milk", "gluten", "sesame"],
        "vegan": False,
        "vegetarian": True,
        "gluten_free": False,
    },
    "falafel": {
        "course": "small_plates",
        "name": "Falafel with tahini sauce",
        "description": "Five herb falafel made with chickpea flour.",
        "price_gbp": 6.0,
        "allergens": ["sesame"],
        "vegan": True,
        "vegetarian": True,
        "gluten_free": True,
    },
    "muhammara": {
        "course": "small_plates",
        "name": "Muhammara",
        "description": "Roasted red pepper and walnut dip with toasted breadcrumbs.",
        "price_gbp": 6.5,
        "allergens": ["tree_nuts", "gluten"],
        "vegan": True,
        "vegetarian": True,
        "gluten_free": False,
    },
    "octopus": {
        "course": "small_plates",
        "name": "Chargrilled octopus",
        "description": "With smoked paprika, lemon and olive oil.",
        "price_gbp": 11.0,
        "allergens": ["molluscs"],
        "vegan": False,
        "vegetarian": False,
        "gluten_free": True,
    },
    "prawns": {
        "course": "small_plates",
        "name": "Prawns with chilli and garlic",
        "description": "King prawns, Aleppo chilli, garlic and white wine.",
        "price_gbp": 9.5,
        "allergens": ["crustaceans", "sulphites"],
        "vegan": False,
        "vegetarian": False,
        "gluten_free": True,
    },
    "lamb-shoulder": {
        "course": "mains",
        "name": "Slow-roast lamb shoulder with pomegranate molasses",
        "description": "Seven-hour lamb, pickled red onion, herb salad. For one.",
        "price_gbp": 22.0,
        "allergens": ["celery", "sulphites"],
        "vegan": False,
        "vegetarian": False,
        "gluten_free": True,
    },
    "chicken-shish": {
        "course": "mains",
        "name": "Chicken shish with garlic toum",
        "description": "Yoghurt-marinated chicken thigh skewers with sesame flatbread.",
        "price_gbp": 17.5,
        "allergens": ["milk", "gluten", "sesame"],
        "vegan": False,
        "vegetarian": False,
        "gluten_free": False,
    },
    "cauliflower": {
        "course": "mains",
        "name": "Spiced cauliflower steak with tahini and almonds",
        "description": "Roasted cauliflower, tahini, toasted almonds, green chilli.",
        "price_gbp": 15.0,
        "allergens": ["sesame", "tree_nuts"],
        "vegan": True,
        "vegetarian": True,
        "gluten_free": True,
    },
    "sea-bass": {
        "course": "mains",
        "name": "Sea bass with chermoula and freekeh",
        "description": "Pan-fried sea bass fillet, chermoula, smoked freekeh.",
        "price_gbp": 21.0,
        "allergens": ["fish", "gluten", "celery"],
        "vegan": False,
        "vegetarian": False,
        "gluten_free": False,
    },
    "sea-bream": {
        "course": "mains",
        "name": "Whole roasted sea bream",
        "description": "With preserved lemon, capers and herbs. Allow 30 minutes.",
        "price_gbp": 26.0,
        "allergens": ["fish"],
        "vegan": False,
        "vegetarian": False,
        "gluten_free": True,
    },
    "tagine": {
        "course": "mains",
        "name": "Mushroom and chickpea tagine with couscous",
        "description": "Slow-cooked with apricots, ras el hanout and herbs.",
        "price_gbp": 16.0,
        "allergens": ["gluten", "celery"],
        "vegan": True,
        "vegetarian": True,
        "gluten_free": False,
    },
    "kofta": {
        "course": "mains",
        "name": "Beef kofta with tahini yoghurt",
        "description": "Chargrilled beef kofta, tahini yoghurt, mustard-dressed leaves.",
        "price_gbp": 18.5,
        "allergens": ["milk", "sesame", "mustard"],
        "vegan": False,
        "vegetarian": False,
        "gluten_free": True,
    },
    "saffron-rice": {
        "course": "sides",
        "name": "Saffron rice",
        "description": "Basmati rice with saffron and crispy shallots.",
        "price_gbp": 4.0,
        "allergens": [],
        "vegan": True,
        "vegetarian": True,
        "gluten_free": True,
    },
    "fattoush": {
        "course": "sides",
        "name": "Fattoush salad",
        "description": "Tomato, cucumber, radish, sumac and crispy pitta.",
        "price_gbp": 5.0,
        "allergens": ["gluten"],
        "vegan": True,
        "vegetarian": True,
        "gluten_free": False,
    },
    "flatbread": {
        "course": "sides",
        "name": "Sesame flatbread",
        "description": "Baked to order.",
        "price_gbp": 3.0,
        "allergens": ["gluten", "sesame"],
        "vegan": True,
        "vegetarian": True,
        "gluten_free": False,
    },
    "fries": {
        "course": "sides",
        "name": "Fries with baharat salt",
        "description": "Cooked in a fryer shared with the halloumi fries.",
        "price_gbp": 4.0,
        "allergens": [],
        "vegan": True,
        "vegetarian": True,
        "gluten_free": False,
    },
    "baklava": {
        "course": "desserts",
        "name": "Pistachio baklava",
        "description": "Filo, pistachio, honey and butter.",
        "price_gbp": 6.5,
        "allergens": ["tree_nuts", "gluten", "milk"],
        "vegan": False,
        "vegetarian": True,
        "gluten_free": False,
    },
    "panna-cotta": {
        "course": "desserts",
        "name": "Orange blossom panna cotta",
        "description": "Set with agar; with poached quince.",
        "price_gbp": 6.0,
        "allergens": ["milk"],
        "vegan": False,
        "vegetarian": True,
        "gluten_free": True,
    },
    "mousse": {
        "course": "desserts",
        "name": "Dark chocolate and tahini mousse",
        "description": "Made with aquafaba; sesame brittle.",
        "price_gbp": 6.5,
        "allergens": ["sesame", "soya"],
        "vegan": True,
        "vegetarian": True,
        "gluten_free": True,
    },
    "peanut-ice-cream": {
        "course": "desserts",
        "name": "Salted peanut and date ice cream",
        "description": "Two scoops, made in house.",
        "price_gbp": 5.5,
        "allergens": ["peanuts", "milk", "eggs"],
        "vegan": False,
        "vegetarian": True,
        "gluten_free": True,
    },
    "sorbet": {
        "course": "desserts",
        "name": "Blood orange sorbet",
        "description": "Two scoops.",
        "price_gbp": 4.5,
        "allergens": [],
        "vegan": True,
        "vegetarian": True,
        "gluten_free": True,
    },
}
RESTO_MENUS: dict[int, list[str]] = {
    12: [
        "hummus",
        "baba-ganoush",
        "halloumi-fries",
        "falafel",
        "muhammara",
        "octopus",
        "prawns",
        "lamb-shoulder",
        "chicken-shish",
        "cauliflower",
        "sea-bass",
        "tagine",
        "kofta",
        "saffron-rice",
        "fattoush",
        "flatbread",
        "fries",
        "baklava",
        "panna-cotta",
        "mousse",
        "peanut-ice-cream",
    ],
    15: [
        "hummus",
        "baba-ganoush",
        "halloumi-fries",
        "muhammara",
        "octopus",
        "prawns",
        "lamb-shoulder",
        "chicken-shish",
        "cauliflower",
        "sea-bass",
        "sea-bream",
        "saffron-rice",
        "fattoush",
        "flatbread",
        "baklava",
        "panna-cotta",
        "mousse",
    ],
    18: [
        "hummus",
        "baba-ganoush",
        "halloumi-fries",
        "falafel",
        "muhammara",
        "chicken-shish",
        "cauliflower",
        "tagine",
        "kofta",
        "saffron-rice",
        "fattoush",
        "flatbread",
        "fries",
        "baklava",
        "panna-cotta",
        "mousse",
        "peanut-ice-cream",
        "sorbet",
    ],
}
RESTO_SOLD_OUT: dict[int, set[str]] = {12: {"lamb-shoulder"}, 15: set(), 18: {"baklava"}}
RESTO_COURSES = {
    "small_plates": "Small plates",
    "mains": "Mains",
    "sides": "Sides",
    "desserts": "Desserts",
}
# Slots with no table left at all (any party size).
RESTO_FULL: dict[tuple[int, str], set[str] | None] = {
    (12, "2026-12-23"): {"19:00", "19:30"},
    (12, "2026-12-26"): {"19:00", "19:30", "20:00"},
    (12, "2026-12-31"): None,  # every slot
    (15, "2026-12-23"): {"19:30", "20:00"},
    (18, "2026-12-28"): {"12:30"},
}
RESTO_FULL_REASON = {
    (12, "2026-12-31"): "New Year's Eve is fully booked. Join the waitlist by calling "
    "0117 496 0121.",
}
RESTO_RESERVATIONS: dict[str, dict[str, Any]] = {
    "K7-42QP": {
        "status": "confirmed",
        "name": "Priya Shah",
        "location_id": 12,
        "date": "2026-12-23",
        "time": "19:00",
        "party_size": 4,
        "area": "Heated terrace",
        "occasion": "Birthday (you may bring your own cake; no cakeage fee).",
        "deposit": None,
        "booked_on": "2026-12-02",
        "cancellation": None,
        "waitlist": None,
        "policy": "Free changes and cancellation until 24 hours before; after that, or if "
        "you do not come, 10 GBP per guest.",
    },
    "M3-8XTD": {
        "status": "cancelled",
        "name": "Tom Ellery",
        "location_id": 15,
        "date": "2026-12-26",
        "time": "13:00",
        "party_size": 2,
        "area": "Dining room",
        "occasion": None,
        "deposit": {"amount_gbp": 20.0, "status": "refunded on 2026-12-02"},
        "booked_on": "2026-11-18",
        "cancellation": {
            "date": "2026-12-01",
            "by": "restaurant",
            "reason": "Saffron & Salt Clifton is closed on Boxing Day (2026-12-26) this "
            "year. We e-mailed you on 2026-12-01; Harbourside is open that day.",
        },
        "waitlist": None,
        "policy": "Free changes and cancellation until 24 hours before; after that, or if "
        "you do not come, 10 GBP per guest.",
    },
    "R9-05LB": {
        "status": "waitlisted",
        "name": "Daniel Okoro",
        "location_id": 12,
        "date": "2026-12-31",
        "time": "20:00",
        "party_size": 6,
        "area": None,
        "occasion": "New Year's Eve set menu (65 GBP per person).",
        "deposit": None,
        "booked_on": "2026-12-10",
        "cancellation": None,
        "waitlist": {
            "position": 3,
            "notify_by": "2026-12-30 18:00",
            "note": "New Year's Eve is fully booked. We text you if a table for 6 frees up; "
            "a 60 GBP deposit is then due within 2 hours to confirm.",
        },
        "policy": "No table is held while you are on the waitlist.",
    },
    "T2-77HN": {
        "status": "confirmed",
        "name": "Hannah Wu",
        "location_id": 18,
        "date": "2026-12-28",
        "time": "12:30",
        "party_size": 2,
        "area": "Window table",
        "occasion": None,
        "deposit": None,
        "booked_on": "2026-12-19",
        "cancellation": None,
        "waitlist": None,
        "policy": "Free changes and cancellation until 24 hours before; after that, or if "
        "you do not come, 10 GBP per guest.",
    },
}
# Postcode district: zone, minimum order, delivery fee, free delivery from, minutes.
RESTO_DELIVERY: dict[str, tuple[str, float, float, float, str]] = {
    "BS7": ("A", 15.0, 1.99, 30.0, "25-35"),
    "BS6": ("A", 15.0, 1.99, 30.0, "25-35"),
    "BS1": ("B", 20.0, 2.99, 35.0, "30-45"),
    "BS2": ("B", 20.0, 2.99, 35.0, "30-45"),
    "BS8": ("B", 20.0, 2.99, 35.0, "30-45"),
    "BS3": ("C", 25.0, 3.99, 45.0, "40-55"),
    "BS5": ("C", 25.0, 3.99, 45.0, "40-55"),
    "BS9": ("C", 25.0, 3.99, 45.0, "40-55"),
}
RESTO_NOT_DELIVERED = {
    "BS4": "We don't deliver to BS4 (Knowle, Brislington, St Anne's): it is too far from our "
    "Gloucester Road kitchen for the food to arrive hot. Order for collection from "
    "Gloucester Road instead.",
}
RESTO_DELIVERY_HOURS = {
    **{key: {"from": "12:00", "until": "21:00"} for key in WEEK[:4]},
    "Friday": {"from": "12:00", "until": "22:00"},
    "Saturday": {"from": "12:00", "until": "22:00"},
    "Sunday": None,
}
RESTO_GIFT_CARDS: dict[str, dict[str, Any]] = {
    "6011223344550198": {
        "status": "active",
        "value_gbp": 50.0,
        "balance_gbp": 37.5,
        "issued": "2026-06-12",
        "expires": "2027-06-12",
        "last_used": {
            "date": "2026-11-14",
            "location": "Saffron & Salt Clifton",
            "amount_gbp": 12.5,
        },
    },
    "6011223344550371": {
        "status": "expired",
        "value_gbp": 25.0,
        "balance_gbp": 25.0,
        "issued": "2025-11-30",
        "expires": "2026-11-30",
        "last_used": None,
    },
    "6011223344550412": {
        "status": "used up",
        "value_gbp": 100.0,
        "balance_gbp": 0.0,
        "issued": "2026-02-14",
        "expires": "2027-02-14",
        "last_used": {
            "date": "2026-10-03",
            "location": "Saffron & Salt Harbourside",
            "amount_gbp": 41.0,
        },
    },
}
RESTO_GIFT_CARD_RULES = (
    "Gift cards are valid for 12 months from purchase and cannot be extended once expired. "
    "They pay for food and drink at all three restaurants, dine-in or takeaway, but not for "
    "delivery orders. Any remaining balance stays on the card."
)

Allergen = Literal[
    "celery",
    "gluten",
    "crustaceans",
    "eggs",
    "fish",
    "lupin",
    "milk",
    "molluscs",
    "mustard",
    "peanuts",
    "sesame",
    "soya",
    "sulphites",
    "tree_nuts",
]


def _resto_location(location_id: int) -> dict[str, Any]:
    location = RESTO_LOCATIONS.get(location_id)
    if location is None:
        raise HTTPException(
            404, f"No restaurant with id {location_id}. Find ids with listLocations."
        )
    return location


def _resto_hours(location: dict[str, Any], day: str) -> tuple[dict[str, str] | None, str | None]:
    """A location's hours on a date (None: closed) and the reason for closures and changes."""
    weekday = _weekday(day)
    closure = next((c for c in location["closures"] if c["date"] == day), None)
    if closure:
        return None, closure["reason"]
    special = next((s for s in location["special_hours"] if s["date"] == day), None)
    if special:
        return {"open": special["open"], "close": special["close"]}, special["reason"]
    hours = location["hours"][weekday]
    return hours, None if hours else f"Closed on {weekday}s."


def _resto_slots(location_id: int, day: str, hours: dict[str, str]) -> list[str]:
    """Booking times every 30 minutes, up to 90 minutes before closing (lunch only on
    Christmas Eve: up to 14:30)."""
    start = _minutes(hours["open"])
    end = _minutes(hours["close"])
    if end <= start:
        end += 24 * 60
    last = end - 90
    if day == "2026-12-24":
        last = _minutes("14:30")
    return [_clock(m % (24 * 60)) for m in range(start, last + 1, 30)]


def _tables_left(location_id: int, day: str, time: str, party_size: int) -> int:
    full = RESTO_FULL.get((location_id, day), set())
    if full is None or time in full:
        return 0
    left = (int(day[-2:]) + int(time[:2]) + location_id) % 4 + 1
    return min(left, 1) if party_size > 6 else left


def _resto_code(code: str) -> str:
    """A confirmation code as printed ("K7-42QP"), also as "k742qp" or "K7 42QP"."""
    wanted = "".join(c for c in code.upper() if c.isalnum())
    for key in RESTO_RESERVATIONS:
        if key.replace("-", "") == wanted:
            return key
    raise HTTPException(
        404,
        f"No reservation with confirmation code {code}. The code (like K7-42QP) is in your "
        "confirmation e-mail and text message.",
    )


def _uk_postcode(postcode: str) -> tuple[str, str]:
    """("BS3 1QS", "BS3") from "bs31qs", "BS3 1QS" or just the district "BS3"."""
    text = "".join(c for c in postcode.upper() if c.isalnum())
    match = re.fullmatch(r"([A-Z]{1,2}\d[A-Z\d]?)(\d[A-Z]{2})?", text)
    if match is None:
        raise HTTPException(422, f"{postcode} is not a UK postcode (like BS7 8NU).")
    district, inward = match.group(1), match.group(2)
    return (f"{district} {inward}" if inward else district), district


def create_restaurant_app(server_url: str) -> FastAPI:
    app = FastAPI(
        title="Saffron & Salt Restaurants API",
        version="1.6.0",
        description="Locations, opening hours, menus with allergens, table availability, "
        "reservations, delivery and gift cards of Saffron & Salt, three Eastern "
        "Mediterranean restaurants in Bristol. Prices in GBP.",
        servers=[{"url": server_url}],
    )

    @app.get(
        "/locations",
        operation_id="listLocations",
        summary="Find a restaurant",
        description="The group's restaurants: id, name, area, address, phone and services "
        "(dine-in, takeaway, delivery). Opening hours and closures are in getLocation.",
    )
    def locations(
        q: str = Query("", description="Part of the name or area, e.g. Clifton. Empty: all."),
    ) -> dict[str, Any]:
        ignore = {"saffron", "salt", "the", "restaurant", "branch", "in", "at", "bristol", "&"}
        words = [w for w in re.sub(r"[^\w\s]", " ", _fold(q)).split() if w not in ignore]
        hits = [
            n
            for n, loc in RESTO_LOCATIONS.items()
            if all(
                w
                in _fold(
                    f"{loc['name']} {loc['area']} {loc['address']['street']} "
                    f"{loc['address']['postcode']} {loc['aliases']}"
                )
                for w in words
            )
        ]
        return {
            "total": len(hits),
            "locations": [
                {
                    "id": n,
                    "name": RESTO_LOCATIONS[n]["name"],
                    "area": RESTO_LOCATIONS[n]["area"],
                    "address": RESTO_LOCATIONS[n]["address"],
                    "phone": RESTO_LOCATIONS[n]["phone"],
                    "services": RESTO_LOCATIONS[n]["services"],
                }
                for n in hits
            ],
            "message": None if hits else f"No Saffron & Salt restaurant matches {q!r}.",
        }

    @app.get(
        "/locations/{location_id}",
        operation_id="getLocation",
        summary="A restaurant's opening hours and details",
        description="Address, phone, opening hours per weekday (null: closed all day), special "
        "hours and closures on particular dates (holidays), the largest party that can book "
        "online, private dining and accessibility. With a date: whether it is open that day "
        "and its hours.",
    )
    def location(
        location_id: int = Path(description="Restaurant id from listLocations, e.g. 12."),
        date: str | None = Query(
            None, pattern=r"^\d{4}-\d{2}-\d{2}$", description="A day, YYYY-MM-DD (optional)."
        ),
    ) -> dict[str, Any]:
        loc = _resto_location(location_id)
        out: dict[str, Any] = {
            "id": location_id,
            **{k: v for k, v in loc.items() if k != "aliases"},
        }
        if date:
            hours, reason = _resto_hours(loc, date)
            out["on_date"] = {
                "date": date,
                "weekday": _weekday(date),
                "open": hours is not None,
                "hours": hours,
                "reason": reason,
            }
        return out

    @app.get(
        "/locations/{location_id}/menu",
        operation_id="getMenu",
        summary="A restaurant's menu",
        description="Today's menu by course (small plates, mains, sides, desserts): each "
        "dish's name, price, allergens (the 14 UK allergens), whether it is vegan, "
        "vegetarian or gluten-free, and whether it is sold out today. Optionally one course, "
        "one diet, or only dishes without an allergen.",
    )
    def menu(
        location_id: int = Path(description="Restaurant id from listLocations, e.g. 12."),
        course: Literal["small_plates", "mains", "sides", "desserts"] | None = Query(
            None, description="Only this course."
        ),
        diet: Literal["vegan", "vegetarian", "gluten_free"] | None = Query(
            None, description="Only dishes suitable for this diet."
        ),
        without: Allergen | None = Query(
            None, description="Only dishes that do not contain this allergen."
        ),
    ) -> dict[str, Any]:
        loc = _resto_location(location_id)
        hours, reason = _resto_hours(loc, RESTO_DAY)
        courses = []
        for key, title in RESTO_COURSES.items():
            if course is not None and key != course:
                continue
            dishes = []
            for dish_id in RESTO_MENUS[location_id]:
                d = RESTO_DISHES[dish_id]
                if d["course"] != key:
                    continue
                if diet is not None and not d[diet]:
                    continue
                if without is not None and without in d["allergens"]:
                    continue
                dishes.append(
                    {
                        **{k: v for k, v in d.items() if k != "course"},
                        "sold_out_today": dish_id in RESTO_SOLD_OUT[location_id],
                    }
                )
            courses.append({"course": title, "dishes": dishes})
        return {
            "location": {"id": location_id, "name": loc["name"]},
            "date": RESTO_DAY,
            "open_today": hours is not None,
            "today": reason if hours is None else None,
            "filters": {"course": course, "diet": diet, "without": without},
            "courses": courses,
            "allergy_note": "Allergens are those in the recipe. Our kitchens handle all 14 "
            "allergens, so we cannot rule out traces; tell your server about any allergy.",
        }

    @app.get(
        "/availability",
        operation_id="searchTables",
        summary="Free tables at a restaurant",
        description="Booking times (every 30 minutes) at a restaurant on a date for a party "
        "size, with the tables left at each time; a fully booked time has 0. With a time: "
        "that time and the nearest free times. Closed days say why.",
    )
    def availability(
        location_id: int = Query(description="Restaurant id from listLocations, e.g. 12."),
        date: str = Query(pattern=r"^\d{4}-\d{2}-\d{2}$", description="Day, YYYY-MM-DD."),
        party_size: int = Query(ge=1, description="Number of guests, children included."),
        time: str | None = Query(
            None, pattern=r"^\d{1,2}:\d{2}$", description="Preferred time, HH:MM (optional)."
        ),
    ) -> dict[str, Any]:
        loc = _resto_location(location_id)
        weekday = _weekday(date)
        if party_size > loc["max_party_online"]:
            raise HTTPException(
                422,
                f"Online booking at {loc['name']} is for 1 to {loc['max_party_online']} guests. "
                f"For {party_size} guests call {loc['phone']} or e-mail {RESTO_EVENTS_EMAIL}."
                + (
                    " Harbourside's private dining room seats 10 to 20."
                    if loc["private_dining"]
                    else ""
                ),
            )
        if date < RESTO_DAY:
            raise HTTPException(422, f"{date} is in the past (today is {RESTO_DAY}).")
        if date > RESTO_BOOKING_UNTIL:
            raise HTTPException(422, f"Tables can be booked until {RESTO_BOOKING_UNTIL}.")
        hours, reason = _resto_hours(loc, date)
        out: dict[str, Any] = {
            "location": {"id": location_id, "name": loc["name"]},
            "date": date,
            "weekday": weekday,
            "party_size": party_size,
            "open": hours is not None,
            "hours": hours,
            "note": reason,
        }
        if hours is None:
            return {**out, "slots": [], "message": f"{loc['name']} is closed: {reason}"}
        slots = []
        for t in _resto_slots(location_id, date, hours):
            left = _tables_left(location_id, date, t, party_size)
            slots.append({"time": t, "tables_left": left, "available": left > 0})
        message = RESTO_FULL_REASON.get((location_id, date))
        if message is None and not any(s["available"] for s in slots):
            message = "Fully booked for this party size."
        if time is None:
            return {**out, "slots": slots, "message": message}
        wanted = _clock(_minutes(time.zfill(5)))
        asked = next((s for s in slots if s["time"] == wanted), None)
        if asked is None:
            return {
                **out,
                "requested": {"time": wanted, "available": False},
                "message": f"{wanted} is not a booking time on {weekday}: tables from "
                f"{slots[0]['time']} to {slots[-1]['time']} (every 30 minutes).",
                "alternatives": [s["time"] for s in slots if s["available"]][:4],
            }
        index = slots.index(asked)
        earlier = [s["time"] for s in reversed(slots[:index]) if s["available"]][:2]
        later = [s["time"] for s in slots[index + 1 :] if s["available"]][:2]
        return {
            **out,
            "requested": asked,
            "message": message
            or (None if asked["available"] else f"{wanted} is fully booked for {party_size}."),
            "alternatives": [] if asked["available"] else sorted(earlier + later),
        }

    @app.get(
        "/reservations/{confirmation_code}",
        operation_id="getReservation",
        summary="A reservation by confirmation code",
        description="Status (confirmed, cancelled or waitlisted), name, restaurant, date, "
        "time, party size, table area, occasion, deposit, the cancellation (date, by whom, "
        "why) and the waitlist position, and the change and cancellation policy.",
    )
    def reservation(
        confirmation_code: str = Path(description="Confirmation code, e.g. K7-42QP."),
    ) -> dict[str, Any]:
        key = _resto_code(confirmation_code)
        r = RESTO_RESERVATIONS[key]
        loc = RESTO_LOCATIONS[r["location_id"]]
        return {
            "confirmation_code": key,
            **{k: v for k, v in r.items() if k != "location_id"},
            "weekday": _weekday(r["date"]),
            "location": {
                "id": r["location_id"],
                "name": loc["name"],
                "address": loc["address"],
                "phone": loc["phone"],
            },
        }

    @app.get(
        "/delivery",
        operation_id="checkDelivery",
        summary="Delivery to a postcode",
        description="Whether we deliver to a UK postcode (or postcode district) and, if so, "
        "the zone, minimum order, delivery fee, the order value from which delivery is free, "
        "the estimated time and the delivery hours. All deliveries come from the Gloucester "
        "Road kitchen.",
    )
    def delivery(
        postcode: str = Query(description="UK postcode, e.g. BS7 8NU, or a district, e.g. BS7."),
    ) -> dict[str, Any]:
        shown, district = _uk_postcode(postcode)
        zone = RESTO_DELIVERY.get(district)
        if zone is None:
            return {
                "postcode": shown,
                "district": district,
                "served": False,
                "message": RESTO_NOT_DELIVERED.get(
                    district,
                    f"We don't deliver to {district}. We deliver in Bristol: BS1, BS2, BS3, "
                    "BS5, BS6, BS7, BS8 and BS9.",
                ),
            }
        name, minimum, fee, free_from, minutes = zone
        return {
            "postcode": shown,
            "district": district,
            "served": True,
            "zone": name,
            "minimum_order_gbp": minimum,
            "delivery_fee_gbp": fee,
            "free_delivery_from_gbp": free_from,
            "estimated_minutes": minutes,
            "kitchen": "Saffron & Salt Gloucester Road",
            "hours": RESTO_DELIVERY_HOURS,
            "closures": [
                {"date": "2026-12-25", "reason": "No delivery on Christmas Day."},
                {"date": "2026-12-26", "reason": "No delivery on Boxing Day."},
            ],
            "message": None,
        }

    @app.get(
        "/gift-cards/{card_number}",
        operation_id="getGiftCardBalance",
        summary="A gift card's balance",
        description="Status (active, expired or used up), original value, remaining balance, "
        "issue and expiry dates, when it was last used, and where it can be used.",
    )
    def gift_card(
        card_number: str = Path(description="The 16-digit number on the card."),
    ) -> dict[str, Any]:
        digits = "".join(c for c in card_number if c.isdigit())
        card = RESTO_GIFT_CARDS.get(digits)
        if card is None:
            raise HTTPException(
                404, f"No gift card with number {card_number}. Check the 16 digits on the back."
            )
        usable = card["status"] == "active" and card["balance_gbp"] > 0
        return {
            "card_number": f"**** **** **** {digits[-4:]}",
            **card,
            "can_be_used": usable,
            "rules": RESTO_GIFT_CARD_RULES,
        }

    return app


# ---------------------------------------------------------------------------- university

UNI_DAY = "2027-02-10"  # a Wednesday
UNI_TERM = "Winter 2027"
UNI_DEPARTMENTS = {
    "CS": "Computer Science",
    "MATH": "Mathematics",
    "STAT": "Statistics",
    "PSYC": "Psychology",
    "ECON": "Economics",
    "HIST": "History",
}
MWF = ["Monday", "Wednesday", "Friday"]
TR = ["Tuesday", "Thursday"]
MW = ["Monday", "Wednesday"]
UNI_COURSES: dict[str, dict[str, Any]] = {
    "CS 1110": {
        "title": "Introduction to Programming",
        "credits": 4,
        "description": "Programming in Python: variables, functions, lists, dictionaries, "
        "objects and testing. No programming experience needed.",
        "keywords": "python coding beginner",
        "prerequisites": [],
        "prerequisite_note": None,
        "sections": [
            (
                "001",
                "lecture",
                "Dr. Amara Okafor",
                MWF,
                "09:30",
                "10:20",
                "Thornton Auditorium",
                214,
                240,
            ),
            (
                "201",
                "lab",
                "Dr. Amara Okafor",
                ["Thursday"],
                "14:30",
                "16:20",
                "Ashford Centre 2.14",
                36,
                40,
            ),
            (
                "202",
                "lab",
                "Dr. Amara Okafor",
                ["Friday"],
                "13:30",
                "15:20",
                "Ashford Centre 2.14",
                38,
                40,
            ),
        ],
        "waitlist": None,
    },
    "CS 1112": {
        "title": "Introduction to Programming for Engineers",
        "credits": 4,
        "description": "Programming in MATLAB for engineering students: arrays, plotting, "
        "simulation and numerical methods.",
        "keywords": "matlab engineering coding",
        "prerequisites": [],
        "prerequisite_note": None,
        "sections": [
            (
                "001",
                "lecture",
                "Dr. Samuel Park",
                TR,
                "08:30",
                "09:45",
                "Langdon Hall 101",
                96,
                120,
            ),
        ],
        "waitlist": None,
    },
    "CS 2110": {
        "title": "Object-Oriented Programming and Data Structures",
        "credits": 4,
        "description": "Java, object-oriented design, recursion, lists, trees, hash tables, "
        "graphs and the analysis of algorithms.",
        "keywords": "java oop data structures algorithms",
        "prerequisites": ["CS 1110 or CS 1112"],
        "prerequisite_note": "CS 1110 or CS 1112 with a grade of C or better.",
        "sections": [
            (
                "001",
                "lecture",
                "Prof. Daniel Ferreira",
                TR,
                "10:00",
                "11:15",
                "Mercer Hall 120",
                180,
                180,
            ),
            (
                "002",
                "lecture",
                "Dr. Lena Marsh",
                MW,
                "14:30",
                "15:45",
                "Langdon Hall 101",
                171,
                180,
            ),
        ],
        "waitlist": None,
    },
    "CS 3410": {
        "title": "Computer System Organization and Programming",
        "credits": 4,
        "description": "How computers work: C programming, assembly, processors, caches, "
        "virtual memory and concurrency.",
        "keywords": "computer systems architecture c assembly hardware",
        "prerequisites": ["CS 2110"],
        "prerequisite_note": None,
        "sections": [
            (
                "001",
                "lecture",
                "Prof. Hannah Weiss",
                MWF,
                "11:30",
                "12:20",
                "Langdon Hall 101",
                131,
                150,
            ),
        ],
        "waitlist": None,
    },
    "CS 4780": {
        "title": "Machine Learning",
        "credits": 4,
        "description": "Supervised learning: linear models, kernels, decision trees, neural "
        "networks, bias and variance, model selection. Team project.",
        "keywords": "machine learning ml artificial intelligence ai neural networks",
        "prerequisites": ["CS 2110", "MATH 2210", "STAT 2150"],
        "prerequisite_note": "All three are required; STAT 2150 may be taken at the same time "
        "with the instructor's permission.",
        "sections": [
            (
                "001",
                "lecture",
                "Prof. Rafael Lindqvist",
                TR,
                "13:00",
                "14:15",
                "Thornton Auditorium",
                238,
                250,
            ),
        ],
        "waitlist": None,
    },
    "MATH 1110": {
        "title": "Calculus I",
        "credits": 4,
        "description": "Limits, derivatives and their applications, integrals.",
        "keywords": "calculus differential",
        "prerequisites": [],
        "prerequisite_note": "High-school calculus recommended.",
        "sections": [
            (
                "001",
                "lecture",
                "Dr. Priya Raman",
                MWF,
                "08:30",
                "09:20",
                "Kellner Hall 105",
                142,
                160,
            ),
        ],
        "waitlist": None,
    },
    "MATH 1120": {
        "title": "Calculus II",
        "credits": 4,
        "description": "Integration techniques, sequences and series, parametric curves.",
        "keywords": "calculus integral series",
        "prerequisites": ["MATH 1110"],
        "prerequisite_note": None,
        "sections": [
            (
                "001",
                "lecture",
                "Dr. Tomasz Nowak",
                MWF,
                "10:30",
                "11:20",
                "Kellner Hall 105",
                119,
                160,
            ),
        ],
        "waitlist": None,
    },
    "MATH 2210": {
        "title": "Linear Algebra",
        "credits": 3,
        "description": "Vectors, matrices, linear systems, determinants, eigenvalues and "
        "vector spaces.",
        "keywords": "matrices matrix vectors",
        "prerequisites": ["MATH 1120"],
        "prerequisite_note": None,
        "sections": [
            (
                "001",
                "lecture",
                "Dr. Claire Dubois",
                TR,
                "11:30",
                "12:45",
                "Kellner Hall 210",
                77,
                90,
            ),
        ],
        "waitlist": None,
    },
    "STAT 2150": {
        "title": "Introduction to Probability and Statistics",
        "credits": 3,
        "description": "Probability, random variables, distributions, estimation, hypothesis "
        "tests and regression.",
        "keywords": "probability statistics stats data",
        "prerequisites": ["MATH 1120"],
        "prerequisite_note": None,
        "sections": [
            (
                "001",
                "lecture",
                "Dr. Ibrahim Haddad",
                MW,
                "13:00",
                "14:15",
                "Kellner Hall 105",
                133,
                160,
            ),
        ],
        "waitlist": None,
    },
    "PSYC 1010": {
        "title": "Introduction to Psychology",
        "credits": 3,
        "description": "The science of mind and behaviour: the brain, perception, memory, "
        "learning, development, personality and mental health.",
        "keywords": "intro psych psychology",
        "prerequisites": [],
        "prerequisite_note": None,
        "sections": [
            (
                "001",
                "lecture",
                "Prof. Naomi Adler",
                MWF,
                "10:30",
                "11:20",
                "Thornton Auditorium",
                350,
                350,
            ),
        ],
        "waitlist": {
            "length": 23,
            "status": "closed",
            "closed_on": "2027-01-22",
            "note": "Waitlists closed at the add/drop deadline (2027-01-22); no more students "
            "can be added this term. PSYC 1010 is offered again in Summer 2027 (online) and "
            "Fall 2027.",
        },
    },
    "PSYC 2300": {
        "title": "Social Psychology",
        "credits": 3,
        "description": "How people think about, influence and relate to one another.",
        "keywords": "social psych",
        "prerequisites": ["PSYC 1010"],
        "prerequisite_note": None,
        "sections": [
            ("001", "lecture", "Dr. Kofi Mensah", TR, "15:00", "16:15", "Birch Hall 202", 88, 100),
        ],
        "waitlist": None,
    },
    "ECON 1110": {
        "title": "Introductory Microeconomics",
        "credits": 3,
        "description": "Markets, supply and demand, consumers and firms, competition and "
        "market failure.",
        "keywords": "economics micro markets",
        "prerequisites": [],
        "prerequisite_note": None,
        "sections": [
            (
                "001",
                "lecture",
                "Prof. Oluwaseun Adeyemi",
                TR,
                "08:30",
                "09:45",
                "Birch Hall Lecture Theatre",
                402,
                450,
            ),
        ],
        "waitlist": None,
    },
    "HIST 2350": {
        "title": "The Cold War, 1945-1991",
        "credits": 3,
        "description": "The rivalry of the United States and the Soviet Union and its effects "
        "on Europe, Asia, Africa and the Americas.",
        "keywords": "history cold war soviet twentieth century",
        "prerequisites": [],
        "prerequisite_note": None,
        "sections": [
            (
                "001",
                "lecture",
                "Dr. Ingrid Solberg",
                TR,
                "11:30",
                "12:45",
                "Birch Hall 202",
                54,
                60,
            ),
        ],
        "waitlist": None,
    },
}
UNI_EXAM_PERIOD = {"from": "2027-04-12", "to": "2027-04-28"}
# Course: (date, start, end, room) or None for no final exam.
UNI_EXAMS: dict[str, tuple[str, str, str, str] | None] = {
    "CS 1110": ("2027-04-14", "14:00", "16:30", "Barton Gymnasium"),
    "CS 1112": ("2027-04-15", "09:00", "11:30", "Langdon Hall 101"),
    "CS 2110": ("2027-04-16", "09:00", "11:30", "Thornton Auditorium"),
    "CS 3410": ("2027-04-19", "09:00", "11:30", "Barton Gymnasium"),
    "CS 4780": None,
    "MATH 1110": ("2027-04-13", "14:00", "16:30", "Kellner Hall 105"),
    "MATH 1120": ("2027-04-20", "09:00", "11:30", "Barton Gymnasium"),
    "MATH 2210": ("2027-04-22", "14:00", "16:30", "Kellner Hall 210"),
    "STAT 2150": ("2027-04-26", "09:00", "11:30", "Barton Gymnasium"),
    "PSYC 1010": ("2027-04-21", "19:00", "21:00", "Thornton Auditorium"),
    "PSYC 2300": ("2027-04-24", "09:00", "11:00", "Birch Hall 202"),
    "ECON 1110": ("2027-04-13", "09:00", "11:30", "Barton Gymnasium"),
    "HIST 2350": ("2027-04-27", "14:00", "17:00", "Birch Hall 202"),
}
UNI_EXAM_CHANGES = {
    "CS 3410": {
        "previous_room": "Langdon Hall 101",
        "changed_on": "2027-02-03",
        "reason": "Moved to a larger room so that students sit one seat apart.",
    },
}
UNI_NO_EXAM = {
    "CS 4780": "CS 4780 has no final exam. Instead: a final project (40% of the grade), due "
    "2027-04-23 at 17:00 on the course site.",
}
# (first day, last day or None, type, title, details)
UNI_CALENDAR: list[tuple[str, str | None, str, str, str | None]] = [
    ("2026-12-24", "2027-01-01", "holiday", "Winter closure (university closed)", None),
    ("2027-01-11", None, "term", "Winter 2027 classes begin", None),
    (
        "2027-01-22",
        None,
        "deadline",
        "Last day to add or drop a course",
        "A course dropped after this date stays on the transcript with a W (withdrawn); "
        "waitlists close. No tuition refund for courses dropped after this date.",
    ),
    (
        "2027-01-29",
        None,
        "fees",
        "Winter 2027 fee payment deadline",
        "Unpaid balances are charged 1.5% interest a month, and a hold that blocks "
        "registration is placed on 2027-02-01.",
    ),
    ("2027-02-12", None, "deadline", "Last day to apply to graduate in June 2027", None),
    (
        "2027-02-15",
        None,
        "holiday",
        "Family Day (university closed)",
        "No classes; buildings and libraries closed.",
    ),
    (
        "2027-02-15",
        "2027-02-19",
        "break",
        "Reading week",
        "No classes. Libraries open 10:00-18:00 from Tuesday to Friday.",
    ),
    (
        "2027-03-12",
        None,
        "deadline",
        "Last day to withdraw from a course",
        "The course stays on the transcript with a W; it does not count in the GPA.",
    ),
    (
        "2027-03-15",
        None,
        "registration",
        "Registration for Summer 2027 courses opens",
        "From 08:00 in the Student Centre. Students with a hold that blocks registration "
        "cannot register.",
    ),
    ("2027-03-26", None, "holiday", "Good Friday (university closed)", "No classes."),
    ("2027-04-09", None, "term", "Last day of Winter 2027 classes", None),
    (
        "2027-04-12",
        "2027-04-28",
        "exams",
        "Final exam period",
        "Each course's exam date, time and room are in getExam.",
    ),
    ("2027-05-10", None, "term", "Summer 2027 classes begin", None),
]
UNI_LIBRARIES: dict[str, dict[str, Any]] = {
    "Halloran Library": {
        "hours": {
            **{key: {"open": "08:00", "close": "23:00"} for key in WEEK[:4]},
            "Friday": {"open": "08:00", "close": "20:00"},
            "Saturday": {"open": "10:00", "close": "18:00"},
            "Sunday": {"open": "12:00", "close": "22:00"},
        },
    },
    "Science & Engineering Library": {
        "hours": {
            **{key: {"open": "08:00", "close": "20:00"} for key in WEEK[:5]},
            "Saturday": None,
            "Sunday": {"open": "12:00", "close": "18:00"},
        },
    },
}
UNI_LIBRARY_CLOSED = {"2027-02-15": "Closed for Family Day."}
UNI_LIBRARY_SHORT = {
    day: "Reading week: open 10:00-18:00."
    for day in ("2027-02-16", "2027-02-17", "2027-02-18", "2027-02-19")
}
UNI_STUDY_ROOMS: dict[str, dict[str, Any]] = {
    "H-201": {"library": "Halloran Library", "capacity": 4, "equipment": ["whiteboard"]},
    "H-202": {
        "library": "Halloran Library",
        "capacity": 6,
        "equipment": ["whiteboard", "wall screen (HDMI)"],
    },
    "H-310": {
        "library": "Halloran Library",
        "capacity": 10,
        "equipment": ["seminar table", "projector"],
    },
    "S-110": {
        "library": "Science & Engineering Library",
        "capacity": 8,
        "equipment": ["whiteboard walls", "wall screen (HDMI)"],
    },
    "S-114": {
        "library": "Science & Engineering Library",
        "capacity": 4,
        "equipment": ["whiteboard"],
    },
}
# Booked start hours per (date, room); other days follow a fixed pattern.
UNI_ROOM_BOOKED: dict[tuple[str, str], set[int]] = {
    ("2027-02-10", "H-201"): {10, 11, 12, 13, 14, 15, 16},
    ("2027-02-10", "H-202"): {9, 10, 11, 12, 13, 14, 15, 16, 17},
    ("2027-02-10", "H-310"): {12, 13, 14, 15, 16, 17, 18},
    ("2027-02-10", "S-110"): {9, 10, 11, 12, 13, 14, 15, 16},
    ("2027-02-10", "S-114"): {11, 12, 13, 14, 15, 16, 17, 18},
    ("2027-02-11", "H-201"): {9, 10, 15, 16},
    ("2027-02-11", "H-202"): {12, 13, 14, 15, 19},
    ("2027-02-11", "H-310"): {14, 18},
    ("2027-02-11", "S-110"): {10, 11, 17},
    ("2027-02-11", "S-114"): {14, 15},
}
UNI_STUDY_ROOM_RULES = (
    "Up to 2 hours per student per day; book in the Northmere Library app with your "
    "student id, up to 14 days ahead. A room is released if nobody checks in within 15 "
    "minutes of the start."
)
UNI_TUITION: dict[str, dict[str, Any]] = {
    "arts": {
        "degree": "Bachelor of Arts",
        "faculty": "Arts",
        "full_time_per_term": {"domestic": 3210.0, "international": 16450.0},
        "part_time_per_credit": {"domestic": 267.5, "international": 1370.0},
        "program_fees": {},
    },
    "business": {
        "degree": "Bachelor of Commerce",
        "faculty": "Business",
        "full_time_per_term": {"domestic": 4380.0, "international": 21700.0},
        "part_time_per_credit": {"domestic": 365.0, "international": 1808.0},
        "program_fees": {"case_competition_and_careers_fee": 85.0},
    },
    "computer_science": {
        "degree": "Bachelor of Science in Computer Science",
        "faculty": "Science",
        "full_time_per_term": {"domestic": 3650.0, "international": 19850.0},
        "part_time_per_credit": {"domestic": 304.0, "international": 1654.0},
        "program_fees": {"computing_lab_fee": 95.0},
    },
    "engineering": {
        "degree": "Bachelor of Engineering",
        "faculty": "Engineering",
        "full_time_per_term": {"domestic": 4960.0, "international": 23400.0},
        "part_time_per_credit": {"domestic": 413.0, "international": 1950.0},
        "program_fees": {"lab_and_materials_fee": 180.0},
    },
    "nursing": {
        "degree": "Bachelor of Science in Nursing",
        "faculty": "Health Sciences",
        "full_time_per_term": {"domestic": 3480.0, "international": 18900.0},
        "part_time_per_credit": {"domestic": 290.0, "international": 1575.0},
        "program_fees": {"clinical_placement_fee": 250.0},
    },
    "science": {
        "degree": "Bachelor of Science",
        "faculty": "Science",
        "full_time_per_term": {"domestic": 3380.0, "international": 17600.0},
        "part_time_per_credit": {"domestic": 282.0, "international": 1467.0},
        "program_fees": {"science_lab_fee": 60.0},
    },
}
UNI_ANCILLARY_FEES: dict[str, Any] = {
    "all_students": {
        "student_union": 68.5,
        "athletics_and_recreation": 96.75,
        "student_services": 118.2,
        "transit_pass": 215.0,
    },
    "health_insurance": {
        "domestic": {
            "plan": "Student health and dental plan (opt-out by 2027-01-22)",
            "cad": 142.0,
        },
        "international": {"plan": "Mandatory international health insurance", "cad": 396.0},
    },
}
UNI_STUDENTS: dict[str, dict[str, Any]] = {
    "N00482913": {
        "name": "Maya Chen",
        "program": "Bachelor of Science in Computer Science",
        "year": 2,
        "residency": "domestic",
        "courses": [
            ("CS 2110", "002", "enrolled", None),
            ("MATH 2210", "001", "enrolled", None),
            ("STAT 2150", "001", "enrolled", None),
            ("ECON 1110", "001", "enrolled", None),
        ],
        "account": {
            "balance_due_cad": 1240.5,
            "due_date": "2027-01-29",
            "overdue": True,
            "last_payment": {"date": "2027-01-08", "amount_cad": 3144.95},
        },
        "holds": [
            {
                "type": "financial",
                "reason": "Unpaid Winter 2027 balance of 1,240.50 CAD (due 2027-01-29).",
                "placed_on": "2027-02-01",
                "blocks": [
                    "registration (adding, dropping or changing courses, and Summer 2027 "
                    "registration)",
                    "official transcripts",
                ],
                "how_to_clear": "Pay the balance in the Student Centre or at Student "
                "Accounts (Mercer Hall, room 104); the hold is lifted within 1 business day "
                "of payment.",
            }
        ],
    },
    "N00517306": {
        "name": "Jonah Whitfield",
        "program": "Bachelor of Arts in Psychology",
        "year": 1,
        "residency": "domestic",
        "courses": [
            ("ECON 1110", "001", "enrolled", None),
            ("HIST 2350", "001", "enrolled", None),
            ("MATH 1110", "001", "enrolled", None),
            (
                "PSYC 1010",
                "001",
                "not enrolled (waitlist closed)",
                "You were number 7 on the waitlist when waitlists closed at the add/drop "
                "deadline on 2027-01-22; no seat opened, so you are not enrolled. PSYC 1010 "
                "is offered again in Summer 2027 (online).",
            ),
        ],
        "account": {
            "balance_due_cad": 0.0,
            "due_date": None,
            "overdue": False,
            "last_payment": {"date": "2027-01-15", "amount_cad": 3850.45},
        },
        "holds": [],
    },
}

Program = Literal["arts", "business", "computer_science", "engineering", "nursing", "science"]


def _course_code(code: str) -> str:
    """A course code as printed ("CS 2110"), also as "cs2110", "CS-2110" or "cs 2110"."""
    match = re.fullmatch(r"\s*([A-Za-z]{2,4})[\s_-]*(\d{4})\s*", code)
    if match is None:
        raise HTTPException(422, f"{code} is not a course code (like CS 2110).")
    key = f"{match.group(1).upper()} {match.group(2)}"
    if key not in UNI_COURSES:
        raise HTTPException(404, f"No course {key} in {UNI_TERM}. Find courses with searchCourses.")
    return key


def _section(row: tuple[str, str, str, list[str], str, str, str, int, int]) -> dict[str, Any]:
    number, kind, instructor, days, start, end, room, taken, capacity = row
    return {
        "section": number,
        "type": kind,
        "instructor": instructor,
        "days": days,
        "start": start,
        "end": end,
        "room": room,
        "seats_taken": taken,
        "capacity": capacity,
        "seats_open": capacity - taken,
        "status": "full" if taken >= capacity else "open",
    }


def _course_summary(code: str) -> dict[str, Any]:
    c = UNI_COURSES[code]
    return {
        "code": code,
        "title": c["title"],
        "department": UNI_DEPARTMENTS[code.split()[0]],
        "credits": c["credits"],
        "level": f"{code.split()[1][0]}000-level",
    }


def _event_status(first: str, last: str | None) -> str:
    end = last or first
    if end < UNI_DAY:
        return "passed"
    if first <= UNI_DAY:
        return "today" if first == end else "ongoing"
    return "upcoming"


def _student_key(student_id: str) -> str:
    wanted = "".join(c for c in student_id.upper() if c.isalnum())
    if wanted.isdigit():
        wanted = f"N{wanted.zfill(8)}"
    if wanted not in UNI_STUDENTS:
        raise HTTPException(
            404, f"No student with id {student_id}. Student ids look like N00123456."
        )
    return wanted


def _room_booked(day: str, room: str, hour: int) -> bool:
    booked = UNI_ROOM_BOOKED.get((day, room))
    if booked is not None:
        return hour in booked
    return (hour + int(day[-2:]) + list(UNI_STUDY_ROOMS).index(room)) % 3 == 0


def create_university_app(server_url: str) -> FastAPI:
    app = FastAPI(
        title="Northmere University Student API",
        version="2.1.0",
        description="Course catalogue, sections and seats, final exams, the academic "
        "calendar, library study rooms, tuition fees and student enrollment at Northmere "
        f"University, {UNI_TERM} term. Amounts in CAD.",
        servers=[{"url": server_url}],
    )

    @app.get(
        "/courses",
        operation_id="searchCourses",
        summary="Search the course catalogue",
        description=f"Courses offered in {UNI_TERM} by keyword and/or department: code, "
        "title, department, credits and level. Sections, seats and prerequisites are in "
        "getCourse.",
    )
    def search_courses(
        q: str = Query("", description="Words from the title or topic, e.g. data structures."),
        department: str | None = Query(
            None, description="Department code or name, e.g. CS or Computer Science."
        ),
    ) -> dict[str, Any]:
        stop = {"the", "a", "an", "to", "of", "and", "in", "for", "course", "class", "intro"}
        words = [w for w in re.sub(r"[^\w\s]", " ", _fold(q)).split() if w not in stop]
        if "intro" in _fold(q).split():
            words.append("introduction")
        dept = None
        if department:
            wanted = _fold(department).strip()
            dept = next(
                (
                    code
                    for code, name in UNI_DEPARTMENTS.items()
                    if wanted in (code.lower(), _fold(name)) or wanted in _fold(name)
                ),
                None,
            )
            if dept is None:
                raise HTTPException(
                    404,
                    f"No department {department!r}. Departments: "
                    + ", ".join(f"{c} ({n})" for c, n in UNI_DEPARTMENTS.items()),
                )

        def text(code: str) -> str:
            c = UNI_COURSES[code]
            name = UNI_DEPARTMENTS[code.split()[0]]
            return _fold(f"{code} {c['title']} {c['keywords']} {c['description']} {name}")

        pool = [code for code in UNI_COURSES if dept is None or code.split()[0] == dept]
        hits = [code for code in pool if all(w in text(code) for w in words)]
        message = None
        if not hits and words:
            scored = sorted(
                ((sum(w in text(code) for w in words), code) for code in pool), reverse=True
            )
            hits = [code for score, code in scored if score][:3]
            message = "No exact match; the closest courses." if hits else "No course matches."
        return {
            "term": UNI_TERM,
            "total": len(hits),
            "courses": [_course_summary(code) for code in hits],
            "message": message,
        }

    @app.get(
        "/courses/{course_code}",
        operation_id="getCourse",
        summary="A course's details, sections and seats",
        description="Title, department, credits, description, prerequisites, and each "
        "section (lecture or lab) with its instructor, days, times, room, seats taken and "
        "capacity (full or open), and the course waitlist if it has one.",
    )
    def course(
        course_code: str = Path(description="Course code, e.g. CS 2110 (cs2110 also works)."),
    ) -> dict[str, Any]:
        key = _course_code(course_code)
        c = UNI_COURSES[key]
        sections = [_section(row) for row in c["sections"]]
        return {
            **_course_summary(key),
            "term": UNI_TERM,
            "description": c["description"],
            "prerequisites": c["prerequisites"],
            "prerequisite_note": c["prerequisite_note"],
            "sections": sections,
            "seats_open": sum(s["seats_open"] for s in sections if s["type"] == "lecture"),
            "waitlist": c["waitlist"],
        }

    @app.get(
        "/courses/{course_code}/exam",
        operation_id="getExam",
        summary="A course's final exam",
        description=f"The {UNI_TERM} final exam of a course: date, weekday, start and end "
        "time and room (with the previous room if it was moved), or null with the final "
        "assessment for courses without a final exam.",
    )
    def exam(
        course_code: str = Path(description="Course code, e.g. CS 3410 (cs3410 also works)."),
    ) -> dict[str, Any]:
        key = _course_code(course_code)
        row = UNI_EXAMS[key]
        final: dict[str, Any] | None = None
        if row is not None:
            day, start, end, room = row
            final = {
                "date": day,
                "weekday": _weekday(day),
                "start": start,
                "end": end,
                "room": room,
                "room_changed": UNI_EXAM_CHANGES.get(key),
            }
        return {
            "course": {"code": key, "title": UNI_COURSES[key]["title"]},
            "term": UNI_TERM,
            "final_exam": final,
            "final_assessment": UNI_NO_EXAM.get(key),
            "exam_period": UNI_EXAM_PERIOD,
            "rules": "Bring your student card. Arrive 15 minutes early; no entry after the "
            "first 30 minutes.",
        }

    @app.get(
        "/calendar",
        operation_id="listCalendarEvents",
        summary="Academic calendar",
        description="Dates of the term: classes begin and end, add/drop and withdrawal "
        "deadlines, fee deadlines, holidays when the university is closed, reading week, "
        "registration and the exam period, each marked passed, today, ongoing or upcoming. "
        f"Default: the whole {UNI_TERM} term.",
    )
    def calendar(
        from_date: str | None = Query(
            None,
            alias="from",
            pattern=r"^\d{4}-\d{2}-\d{2}$",
            description="First day, YYYY-MM-DD (optional).",
        ),
        to_date: str | None = Query(
            None,
            alias="to",
            pattern=r"^\d{4}-\d{2}-\d{2}$",
            description="Last day, YYYY-MM-DD (optional).",
        ),
        kind: Literal["term", "deadline", "fees", "holiday", "break", "registration", "exams"]
        | None = Query(None, alias="type", description="Only events of this type."),
    ) -> dict[str, Any]:
        start = from_date or "2027-01-01"
        end = to_date or "2027-05-31"
        events = [
            {
                "date": first,
                "end_date": last,
                "weekday": _weekday(first),
                "type": event_kind,
                "title": title,
                "details": details,
                "status": _event_status(first, last),
            }
            for first, last, event_kind, title, details in UNI_CALENDAR
            if (last or first) >= start and first <= end and (kind is None or event_kind == kind)
        ]
        return {
            "today": UNI_DAY,
            "today_weekday": _weekday(UNI_DAY),
            "term": UNI_TERM,
            "from": start,
            "to": end,
            "events": events,
        }

    @app.get(
        "/library/study-rooms",
        operation_id="getStudyRoomAvailability",
        summary="Free library study rooms on a day",
        description="Per library: opening hours that day and each group study room with its "
        "capacity, equipment and hourly slots (free or booked). Optionally only rooms for at "
        "least a number of people.",
    )
    def study_rooms(
        date: str | None = Query(
            None, pattern=r"^\d{4}-\d{2}-\d{2}$", description="Day, YYYY-MM-DD. Default: today."
        ),
        min_capacity: int | None = Query(
            None, ge=1, description="Only rooms for at least this many people."
        ),
        library: Literal["Halloran Library", "Science & Engineering Library"] | None = Query(
            None, description="Only this library."
        ),
    ) -> dict[str, Any]:
        day = date or UNI_DAY
        weekday = _weekday(day)
        if day < UNI_DAY:
            raise HTTPException(422, f"{day} is in the past (today is {UNI_DAY}).")
        latest = (datetime.date.fromisoformat(UNI_DAY) + datetime.timedelta(14)).isoformat()
        if day > latest:
            raise HTTPException(422, f"Rooms can be booked up to 14 days ahead ({latest}).")
        libraries = []
        for name, lib in UNI_LIBRARIES.items():
            if library is not None and name != library:
                continue
            hours = lib["hours"][weekday]
            note = None
            if day in UNI_LIBRARY_CLOSED:
                hours, note = None, UNI_LIBRARY_CLOSED[day]
            elif day in UNI_LIBRARY_SHORT and hours is not None:
                hours, note = {"open": "10:00", "close": "18:00"}, UNI_LIBRARY_SHORT[day]
            elif hours is None:
                note = f"Closed on {weekday}s."
            rooms = []
            for room, r in UNI_STUDY_ROOMS.items():
                if r["library"] != name or (min_capacity and r["capacity"] < min_capacity):
                    continue
                slots = []
                if hours is not None:
                    for hour in range(int(hours["open"][:2]), int(hours["close"][:2])):
                        slots.append(
                            {
                                "start": f"{hour:02d}:00",
                                "end": f"{hour + 1:02d}:00",
                                "available": not _room_booked(day, room, hour),
                            }
                        )
                rooms.append(
                    {
                        "room": room,
                        "capacity": r["capacity"],
                        "equipment": r["equipment"],
                        "slots": slots,
                    }
                )
            libraries.append({"library": name, "hours": hours, "note": note, "rooms": rooms})
        return {
            "date": day,
            "weekday": weekday,
            "libraries": libraries,
            "rules": UNI_STUDY_ROOM_RULES,
        }

    @app.get(
        "/tuition",
        operation_id="getTuitionFees",
        summary="Tuition and fees",
        description=f"{UNI_TERM} tuition per program and residency (domestic or "
        "international): full-time tuition per term (12 to 18 credits), part-time tuition per "
        "credit, program fees, and the ancillary fees every student pays. Optionally one "
        "program and/or one residency.",
    )
    def tuition(
        program: Program | None = Query(None, description="Only this program."),
        residency: Literal["domestic", "international"] | None = Query(
            None, description="Only this residency status."
        ),
    ) -> dict[str, Any]:
        programs: dict[str, Any] = {}
        for key, p in UNI_TUITION.items():
            if program is not None and key != program:
                continue
            programs[key] = {
                "degree": p["degree"],
                "faculty": p["faculty"],
                "tuition": {
                    res: {
                        "full_time_per_term_cad": p["full_time_per_term"][res],
                        "part_time_per_credit_cad": p["part_time_per_credit"][res],
                    }
                    for res in ("domestic", "international")
                    if residency is None or res == residency
                },
                "program_fees_per_term_cad": p["program_fees"],
            }
        health = UNI_ANCILLARY_FEES["health_insurance"]
        return {
            "term": UNI_TERM,
            "currency": "CAD",
            "programs": programs,
            "ancillary_fees_per_term_cad": {
                "all_students": UNI_ANCILLARY_FEES["all_students"],
                "health_insurance": {
                    res: plan
                    for res, plan in health.items()
                    if residency is None or res == residency
                },
            },
            "payment": "Due 2027-01-29 for the Winter term; 1.5% interest a month on unpaid "
            "balances.",
        }

    @app.get(
        "/students/{student_id}/enrollment",
        operation_id="getEnrollment",
        summary="A student's enrollment, balance and holds",
        description=f"A student's {UNI_TERM} courses (section, days, times, room and "
        "status: enrolled, waitlisted or not enrolled), credits, account balance, holds and "
        "what they block, and whether the student can register.",
    )
    def enrollment(
        student_id: str = Path(description="Student id, e.g. N00123456."),
    ) -> dict[str, Any]:
        key = _student_key(student_id)
        s = UNI_STUDENTS[key]
        courses = []
        for code, number, status, note in s["courses"]:
            section = next(
                _section(row) for row in UNI_COURSES[code]["sections"] if row[0] == number
            )
            courses.append(
                {
                    "code": code,
                    "title": UNI_COURSES[code]["title"],
                    "credits": UNI_COURSES[code]["credits"],
                    "section": number,
                    "days": section["days"],
                    "start": section["start"],
                    "end": section["end"],
                    "room": section["room"],
                    "instructor": section["instructor"],
                    "status": status,
                    "note": note,
                }
            )
        blocking = [h for h in s["holds"] if any("registration" in b for b in h["blocks"])]
        return {
            "student_id": key,
            "name": s["name"],
            "program": s["program"],
            "year": s["year"],
            "residency": s["residency"],
            "term": UNI_TERM,
            "courses": courses,
            "credits_enrolled": sum(c["credits"] for c in courses if c["status"] == "enrolled"),
            "account": s["account"],
            "holds": s["holds"],
            "registration": {
                "can_register": not blocking,
                "blocked_by": [h["type"] for h in blocking],
                "next": {"term": "Summer 2027", "opens": "2027-03-15"},
            },
        }

    return app


# ---------------------------------------------------------------------------- cinema

CINE_DAY = "2027-03-04"  # a Thursday
CINE_DAYS_AHEAD = 6  # sessions are published a week ahead
CINE_CINEMAS: dict[str, dict[str, Any]] = {
    "fitzroy": {
        "name": "Southern Cross Fitzroy",
        "address": {"street": "214 Brunswick Street", "suburb": "Fitzroy", "postcode": "3065"},
        "phone": "(03) 9417 2210",
        "screens": 6,
        "features": ["3D", "licensed_bar", "wheelchair_access"],
        "hours": {
            **{key: {"open": "10:00", "close": "23:30"} for key in WEEK[:4]},
            "Friday": {"open": "10:00", "close": "00:30"},
            "Saturday": {"open": "10:00", "close": "00:30"},
            "Sunday": {"open": "10:00", "close": "23:00"},
        },
        "parking": "No on-site parking; Fitzroy Street car park (400 m), 2 hours free.",
        "public_transport": "Tram 11 to stop 16 (Johnston Street).",
        "base_prices": {"adult": 22.5, "child": 16.5, "concession": 18.0, "senior": 14.0},
    },
    "docklands": {
        "name": "Southern Cross Docklands",
        "address": {"street": "100 Harbour Esplanade", "suburb": "Docklands", "postcode": "3008"},
        "phone": "(03) 9602 4480",
        "screens": 10,
        "features": ["IMAX", "3D", "licensed_bar", "wheelchair_access"],
        "hours": {
            **{key: {"open": "09:30", "close": "00:00"} for key in WEEK[:4]},
            "Friday": {"open": "09:30", "close": "01:00"},
            "Saturday": {"open": "09:30", "close": "01:00"},
            "Sunday": {"open": "09:30", "close": "23:30"},
        },
        "parking": "Harbour Town car park: 3 hours free with a validated movie ticket.",
        "public_transport": "Tram 70 or 86 to Docklands Drive; 10 minutes' walk from "
        "Southern Cross Station.",
        "base_prices": {"adult": 23.5, "child": 17.0, "concession": 18.5, "senior": 14.5},
    },
    "box-hill": {
        "name": "Southern Cross Box Hill",
        "address": {"street": "17 Station Street", "suburb": "Box Hill", "postcode": "3128"},
        "phone": "(03) 9898 3315",
        "screens": 8,
        "features": ["3D", "recliners", "wheelchair_access"],
        "hours": {
            **{key: {"open": "09:30", "close": "23:30"} for key in WEEK[:5]},
            "Saturday": {"open": "09:00", "close": "23:59"},
            "Sunday": {"open": "09:00", "close": "23:00"},
        },
        "parking": "Box Hill Central car park, first 3 hours free.",
        "public_transport": "Box Hill Station (Belgrave and Lilydale lines), 2 minutes' walk.",
        "base_prices": {"adult": 21.5, "child": 15.5, "concession": 17.0, "senior": 13.5},
    },
    "castlemaine": {
        "name": "Southern Cross Theatre Royal Castlemaine",
        "address": {"street": "30 Hargraves Street", "suburb": "Castlemaine", "postcode": "3450"},
        "phone": "(03) 5472 1196",
        "screens": 1,
        "features": ["licensed_bar", "wheelchair_access"],
        "hours": {
            "Monday": None,
            "Tuesday": None,
            "Wednesday": {"open": "17:00", "close": "22:30"},
            "Thursday": {"open": "17:00", "close": "22:30"},
            "Friday": {"open": "17:00", "close": "23:30"},
            "Saturday": {"open": "12:00", "close": "23:30"},
            "Sunday": {"open": "12:00", "close": "21:30"},
        },
        "parking": "Free street parking on Hargraves Street and Lyttleton Street.",
        "public_transport": "Castlemaine Station (Bendigo line), 8 minutes' walk.",
        "base_prices": {"adult": 17.0, "child": 12.0, "concession": 14.0, "senior": 12.0},
    },
    "geelong": {
        "name": "Southern Cross Geelong Waterfront",
        "address": {"street": "5 Cunningham Pier Road", "suburb": "Geelong", "postcode": "3220"},
        "phone": "(03) 5221 7740",
        "screens": 5,
        "features": ["Vmax", "3D", "licensed_bar", "wheelchair_access"],
        "hours": {
            **{key: {"open": "10:00", "close": "23:30"} for key in WEEK[:5]},
            "Saturday": {"open": "09:30", "close": "23:59"},
            "Sunday": {"open": "09:30", "close": "23:00"},
        },
        "parking": "Waterfront car park on Eastern Beach Road (paid, 4.50 AUD an hour).",
        "public_transport": "Geelong Station, 12 minutes' walk.",
        "base_prices": {"adult": 20.0, "child": 14.5, "concession": 16.0, "senior": 12.5},
    },
}
CINE_ALIASES = {
    "fitzroy": "brunswick street north melbourne",
    "docklands": "harbour town city melbourne cbd",
    "box-hill": "boxhill eastern",
    "castlemaine": "theatre royal regional",
    "geelong": "waterfront pier",
}
CINE_FORMAT_SURCHARGE = {"2D": 0.0, "3D": 3.0, "IMAX": 6.0, "IMAX 3D": 8.0, "Vmax": 3.0}
CINE_CHEAP_DAY = "Tuesday"
CINE_CHEAP_PRICE = 13.0
CINE_FILMS: dict[int, dict[str, Any]] = {
    5101: {
        "title": "Tidewater",
        "status": "now_showing",
        "release_date": "2027-02-18",
        "genres": ["drama", "thriller"],
        "classification": "M",
        "consumer_advice": "Mature themes, violence and coarse language",
        "runtime_minutes": 134,
        "language": "English",
        "subtitles": None,
        "director": "Ruth Adeyemi-Clarke",
        "cast": ["Noah Kessler", "Isabel Fontaine", "Tariq Hollis"],
        "synopsis": "A salvage diver on the Bass Coast finds a sunken car that should not be "
        "there, and a town that would rather it stayed down.",
        "formats": ["2D"],
        "aliases": "tide water",
    },
    5102: {
        "title": "Paper Lanterns",
        "status": "now_showing",
        "release_date": "2027-02-25",
        "genres": ["animation", "family"],
        "classification": "PG",
        "consumer_advice": "Mild themes and animated peril",
        "runtime_minutes": 96,
        "language": "English",
        "subtitles": None,
        "director": "Mei Ling Sato",
        "cast": ["Ava Brennan (voice)", "Jonah Pike (voice)", "Greta Lindahl (voice)"],
        "synopsis": "On the night of the lantern festival, a girl and a paper fox chase a "
        "runaway lantern across the rooftops of her town.",
        "formats": ["2D", "3D"],
        "aliases": "lantern kids animated",
    },
    5103: {
        "title": "Outpost 9",
        "status": "now_showing",
        "release_date": "2027-02-11",
        "genres": ["sci-fi", "horror"],
        "classification": "MA15+",
        "consumer_advice": "Strong horror violence and coarse language",
        "runtime_minutes": 118,
        "language": "English",
        "subtitles": None,
        "director": "Dmitri Valen",
        "cast": ["Sienna Okoro", "Lachlan Reyes", "Hana Vogel"],
        "synopsis": "The crew of a mining outpost on a frozen moon stop receiving messages "
        "from Earth, then start receiving them from inside the base.",
        "formats": ["2D", "IMAX", "IMAX 3D", "Vmax"],
        "aliases": "outpost nine",
    },
    5104: {
        "title": "A Long Weekend in Lorne",
        "status": "now_showing",
        "release_date": "2027-01-28",
        "genres": ["comedy"],
        "classification": "M",
        "consumer_advice": "Coarse language and sexual references",
        "runtime_minutes": 104,
        "language": "English",
        "subtitles": None,
        "director": "Kate Brandt",
        "cast": ["Oliver Quaid", "Priya Menon", "Sam Whitcombe"],
        "synopsis": "Four old school friends rent a beach house in Lorne for the Labour Day "
        "weekend; only one of them remembered to book it.",
        "formats": ["2D"],
        "aliases": "long weekend lorne",
    },
    5105: {
        "title": "Kingfisher",
        "status": "now_showing",
        "release_date": "2027-02-04",
        "genres": ["documentary", "family"],
        "classification": "G",
        "consumer_advice": "Very mild themes",
        "runtime_minutes": 88,
        "language": "English",
        "subtitles": None,
        "director": "Alana Murray",
        "cast": ["Narrated by Miriam Coates"],
        "synopsis": "A year on the Murray River with a family of sacred kingfishers.",
        "formats": ["2D"],
        "aliases": "kingfishers bird nature",
    },
    5106: {
        "title": "Starfall: Part Two",
        "status": "coming_soon",
        "release_date": "2027-03-18",
        "genres": ["sci-fi", "action"],
        "classification": "M",
        "consumer_advice": "Science fiction violence",
        "runtime_minutes": 162,
        "language": "English",
        "subtitles": None,
        "director": "Marcus Ihejirika",
        "cast": ["Zara Lindqvist", "Owen Achebe", "Fleur Dantès"],
        "synopsis": "The second half of the Starfall saga: the fleet reaches the edge of the map.",
        "formats": ["2D", "IMAX", "IMAX 3D", "Vmax"],
        "aliases": "starfall 2 ii part two sequel",
    },
    5107: {
        "title": "Sonata for a Stranger",
        "status": "now_showing",
        "release_date": "2027-02-18",
        "genres": ["drama"],
        "classification": "M",
        "consumer_advice": "Mature themes and brief nudity",
        "runtime_minutes": 112,
        "language": "French",
        "subtitles": "English",
        "director": "Claire Moreau-Lenoir",
        "cast": ["Étienne Vasseur", "Juliette Arnaud"],
        "synopsis": "A retired pianist in Lyon gives lessons to a young man who says he is "
        "her son.",
        "formats": ["2D"],
        "aliases": "sonata stranger french",
    },
}
CINE_ADVANCE = {
    5106: "Advance tickets go on sale on 2027-03-08 at 09:00 for sessions from the opening "
    "day, Thursday 2027-03-18 (IMAX at Docklands, Vmax at Geelong).",
}
CINE_CLASSIFICATION_RULES = {
    "G": "General: suitable for everyone.",
    "PG": "Parental guidance recommended for under 15s.",
    "M": "Recommended for mature audiences (15 and over); not legally restricted.",
    "MA15+": "Legally restricted to people 15 and over: under 15s must be accompanied by a "
    "parent or adult guardian for the whole film. Staff may ask for photo ID.",
    "R18+": "Legally restricted to adults 18 and over; photo ID required.",
}
# (film id, time, screen, format, weekdays or None for every day the cinema is open)
CINE_SCHEDULE: dict[str, list[tuple[int, str, str, str, list[str] | None]]] = {
    "fitzroy": [
        (5102, "10:30", "Cinema 1", "2D", ["Saturday", "Sunday"]),
        (5105, "11:00", "Cinema 6", "2D", None),
        (5101, "12:30", "Cinema 4", "2D", None),
        (5102, "13:00", "Cinema 1", "3D", None),
        (5104, "14:10", "Cinema 3", "2D", None),
        (5102, "15:15", "Cinema 1", "2D", None),
        (5101, "16:00", "Cinema 4", "2D", None),
        (5107, "17:45", "Cinema 5", "2D", None),
        (5104, "18:30", "Cinema 3", "2D", None),
        (5101, "19:00", "Cinema 4", "2D", None),
        (5107, "20:15", "Cinema 6", "2D", None),
        (5104, "20:50", "Cinema 3", "2D", None),
        (5101, "21:20", "Cinema 2", "2D", None),
    ],
    "docklands": [
        (5102, "10:15", "Cinema 2", "3D", None),
        (5102, "12:40", "Cinema 2", "2D", None),
        (5103, "13:30", "IMAX Screen 1", "IMAX 3D", None),
        (5101, "15:40", "Cinema 3", "2D", None),
        (5103, "16:15", "IMAX Screen 1", "IMAX", None),
        (5101, "18:20", "Cinema 3", "2D", None),
        (5103, "19:00", "IMAX Screen 1", "IMAX", None),
        (5104, "19:30", "Cinema 5", "2D", None),
        (5103, "20:40", "Cinema 6", "2D", None),
        (5101, "21:00", "Cinema 3", "2D", None),
        (5103, "21:30", "IMAX Screen 1", "IMAX", None),
    ],
    "box-hill": [
        (5102, "10:00", "Cinema 2", "2D", ["Saturday", "Sunday"]),
        (5105, "11:15", "Cinema 8", "2D", None),
        (5102, "12:15", "Cinema 2", "3D", None),
        (5101, "13:10", "Cinema 5", "2D", None),
        (5102, "14:30", "Cinema 2", "2D", None),
        (5104, "16:20", "Cinema 4", "2D", None),
        (5101, "18:50", "Cinema 5", "2D", None),
        (5103, "20:30", "Cinema 7", "2D", None),
    ],
    "castlemaine": [
        (5102, "13:00", "Theatre Royal", "2D", ["Saturday", "Sunday"]),
        (5105, "15:30", "Theatre Royal", "2D", ["Saturday", "Sunday"]),
        (5107, "18:00", "Theatre Royal", "2D", None),
        (5101, "20:30", "Theatre Royal", "2D", ["Wednesday", "Thursday", "Friday", "Saturday"]),
    ],
    "geelong": [
        (5102, "10:30", "Cinema 1", "2D", None),
        (5102, "13:00", "Cinema 1", "3D", None),
        (5104, "15:10", "Cinema 2", "2D", None),
        (5101, "17:30", "Cinema 3", "2D", None),
        (5103, "19:15", "Vmax Cinema 5", "Vmax", None),
        (5104, "19:45", "Cinema 2", "2D", None),
        (5103, "21:40", "Cinema 4", "2D", None),
    ],
}
# Screen: rows, seats per row, wheelchair spaces.
CINE_SCREENS: dict[str, tuple[int, int, int]] = {
    "IMAX Screen 1": (16, 24, 2),
    "Vmax Cinema 5": (14, 20, 2),
    "Theatre Royal": (12, 18, 2),
}
CINE_SCREEN_DEFAULT = (10, 16, 2)
CINE_CINEMA_NUMBER = {"fitzroy": 1, "docklands": 2, "box-hill": 3, "castlemaine": 4, "geelong": 5}
# (cinema, date, time): seats left, wheelchair spaces free, or a cancellation.
CINE_OVERRIDES: dict[tuple[str, str, str], dict[str, Any]] = {
    ("fitzroy", "2027-03-05", "19:00"): {"seats_left": 0, "wheelchair_free": 0},
    ("fitzroy", "2027-03-05", "21:20"): {"seats_left": 34},
    ("fitzroy", "2027-03-06", "19:00"): {"seats_left": 12},
    ("docklands", "2027-03-04", "21:30"): {
        "cancelled": "IMAX projector fault. Every booking for this session has been refunded "
        "in full to the original payment method (3-5 business days); ticket holders were "
        "e-mailed. The 20:40 2D session of Outpost 9 in Cinema 6 still has seats.",
    },
    ("docklands", "2027-03-04", "20:40"): {"seats_left": 41},
    ("docklands", "2027-03-06", "13:30"): {"seats_left": 0, "wheelchair_free": 0},
    ("docklands", "2027-03-06", "19:00"): {"seats_left": 23, "wheelchair_free": 0},
    ("box-hill", "2027-03-06", "10:00"): {"seats_left": 58},
}
CINE_BOOKINGS: dict[str, dict[str, Any]] = {
    "BK-7Q2M": {
        "status": "confirmed",
        "name": "Olivia Tran",
        "cinema": "fitzroy",
        "film_id": 5101,
        "date": "2027-03-06",
        "time": "19:00",
        "screen": "Cinema 4",
        "format": "2D",
        "seats": ["F7", "F8"],
        "tickets": [{"type": "adult", "quantity": 2, "price_aud": 22.5}],
        "extras": [
            {"item": "Large popcorn + 2 regular drinks combo", "quantity": 1, "price_aud": 17.9}
        ],
        "total_aud": 62.9,
        "paid_with": "Visa ending 4417",
        "booked_at": "2027-03-01T20:14:00+11:00",
        "points_earned": 63,
        "refund": None,
        "how_to_enter": "Show the QR code in the app or the confirmation e-mail at the door; "
        "no need to print. Collect the combo at the candy bar.",
    },
    "BK-3HX9": {
        "status": "refunded",
        "name": "Marcus Bell",
        "cinema": "docklands",
        "film_id": 5103,
        "date": "2027-03-04",
        "time": "21:30",
        "screen": "IMAX Screen 1",
        "format": "IMAX",
        "seats": ["H11", "H12", "H13"],
        "tickets": [{"type": "adult", "quantity": 3, "price_aud": 29.5}],
        "extras": [],
        "total_aud": 88.5,
        "paid_with": "Mastercard ending 2290",
        "booked_at": "2027-02-27T09:41:00+11:00",
        "points_earned": 0,
        "refund": {
            "amount_aud": 88.5,
            "date": "2027-03-04",
            "to": "Mastercard ending 2290",
            "reason": "Session cancelled by the cinema: IMAX projector fault.",
            "arrives": "3-5 business days",
        },
        "how_to_enter": None,
    },
    "BK-W8NC": {
        "status": "confirmed",
        "name": "Grace Holloway",
        "cinema": "castlemaine",
        "film_id": 5102,
        "date": "2027-03-07",
        "time": "13:00",
        "screen": "Theatre Royal",
        "format": "2D",
        "seats": ["D9", "D10", "D11"],
        "tickets": [
            {"type": "adult", "quantity": 1, "price_aud": 17.0},
            {"type": "child", "quantity": 2, "price_aud": 12.0},
        ],
        "extras": [],
        "total_aud": 41.0,
        "paid_with": "PayPal",
        "booked_at": "2027-03-03T18:02:00+11:00",
        "points_earned": 41,
        "refund": None,
        "how_to_enter": "Show the QR code in the app or the confirmation e-mail at the door.",
    },
}
CINE_BOOKING_RULES = (
    "Bookings can be changed to another session up to 1 hour before the start (once, free). "
    "Refunds only if the cinema cancels the session."
)
CINE_REWARDS = [
    {"reward": "Free regular drink", "points": 250},
    {"reward": "Free large popcorn", "points": 500},
    {"reward": "Free standard 2D ticket (any day)", "points": 1000},
    {"reward": "Free IMAX or Vmax ticket", "points": 1400},
]
CINE_MEMBERS: dict[str, dict[str, Any]] = {
    "620044179032": {
        "name": "Priya Natarajan",
        "tier": "Silver",
        "member_since": "2023-08-19",
        "points": 860,
        "points_expiring": {"points": 120, "on": "2027-03-31"},
        "tier_benefits": ["1 point per dollar spent", "10% off the candy bar (not the bar)"],
        "recent_activity": [
            {"date": "2027-02-26", "description": "Outpost 9, Docklands (IMAX)", "points": 59},
            {"date": "2027-02-12", "description": "Free large popcorn redeemed", "points": -500},
            {"date": "2027-02-12", "description": "Paper Lanterns, Box Hill", "points": 52},
        ],
    },
    "620051230118": {
        "name": "Tom Leblanc",
        "tier": "Gold",
        "member_since": "2019-02-02",
        "points": 2315,
        "points_expiring": None,
        "tier_benefits": [
            "1.5 points per dollar spent",
            "15% off the candy bar (not the bar)",
            "Free ticket on your birthday",
        ],
        "recent_activity": [
            {"date": "2027-03-01", "description": "Tidewater, Fitzroy", "points": 34},
        ],
    },
}
CINE_CANDY_BAR: list[tuple[str, str, float]] = [
    ("popcorn", "Small popcorn", 7.0),
    ("popcorn", "Medium popcorn", 8.5),
    ("popcorn", "Large popcorn", 9.9),
    ("drinks", "Regular soft drink (600 ml)", 5.5),
    ("drinks", "Large soft drink (1 l)", 6.9),
    ("drinks", "Bottled water", 4.5),
    ("snacks", "Choc top", 6.5),
    ("snacks", "Nachos with cheese", 11.5),
    ("snacks", "Bag of lollies", 5.0),
    ("combos", "Large popcorn + large drink combo", 15.9),
    ("combos", "Large popcorn + 2 regular drinks combo", 17.9),
    ("combos", "Kids' combo (small popcorn, juice box, lollies)", 11.0),
]
CINE_BAR: list[tuple[str, float]] = [
    ("Mountain Goat Steam Ale (375 ml)", 11.0),
    ("Glass of house red or white wine", 12.5),
    ("Sparkling wine (200 ml)", 13.0),
    ("Negroni", 18.0),
]
CINE_PREMIUM = {"docklands": 1.0}  # added to every candy bar price
CINE_UNAVAILABLE = {
    "docklands": {"Nachos with cheese": "Unavailable until 2027-03-12 (oven repair)."},
}

CineSlug = Literal["fitzroy", "docklands", "box-hill", "castlemaine", "geelong"]
CineFeature = Literal["IMAX", "Vmax", "3D", "recliners", "licensed_bar", "wheelchair_access"]
CineFormat = Literal["2D", "3D", "IMAX", "IMAX 3D", "Vmax"]
CineGenre = Literal[
    "action",
    "animation",
    "comedy",
    "documentary",
    "drama",
    "family",
    "horror",
    "sci-fi",
    "thriller",
]


def _cine_film(film_id: int) -> dict[str, Any]:
    film = CINE_FILMS.get(film_id)
    if film is None:
        raise HTTPException(404, f"No film with id {film_id}. Find ids with searchFilms.")
    return film


def _mix32(*parts: int) -> int:
    """A deterministic pseudo-random 32-bit number from integers (FNV-1a, then the
    MurmurHash3 finalizer so that every bit depends on every input)."""
    value = 2166136261
    for part in parts:
        value = ((value ^ (part % 2**32)) * 16777619) % 2**32
    value ^= value >> 16
    value = (value * 0x85EBCA6B) % 2**32
    value ^= value >> 13
    value = (value * 0xC2B2AE35) % 2**32
    return value ^ (value >> 16)


def _cine_sessions(slug: str, day: str) -> list[dict[str, Any]]:
    """The sessions of a cinema on a day, with ids, seats and prices."""
    cinema = CINE_CINEMAS[slug]
    weekday = _weekday(day)
    if cinema["hours"][weekday] is None:
        return []
    offset = (datetime.date.fromisoformat(day) - datetime.date.fromisoformat(CINE_DAY)).days
    sessions = []
    for index, (film_id, time, screen, fmt, days) in enumerate(CINE_SCHEDULE[slug]):
        film = CINE_FILMS[film_id]
        if days is not None and weekday not in days:
            continue
        if film["release_date"] > day:
            continue
        session_id = 880000 + CINE_CINEMA_NUMBER[slug] * 1000 + offset * 50 + index
        rows, per_row, wheelchair = CINE_SCREENS.get(screen, CINE_SCREEN_DEFAULT)
        capacity = rows * per_row
        override = CINE_OVERRIDES.get((slug, day, time), {})
        if "seats_left" in override:
            left = override["seats_left"]
        else:
            left = capacity * (_mix32(session_id) % 60 + 20) // 100
        wheelchair_free = override.get(
            "wheelchair_free", sum(_mix32(session_id, n) % 3 != 0 for n in range(wheelchair))
        )
        if weekday == CINE_CHEAP_DAY:
            base = dict.fromkeys(cinema["base_prices"], CINE_CHEAP_PRICE)
        else:
            base = cinema["base_prices"]
        prices = {kind: round(p + CINE_FORMAT_SURCHARGE[fmt], 2) for kind, p in base.items()}
        cancelled = override.get("cancelled")
        if cancelled:
            status = "cancelled"
        elif left == 0:
            status = "sold out"
        elif left <= 30:
            status = "selling fast"
        else:
            status = "available"
        sessions.append(
            {
                "session_id": session_id,
                "film_id": film_id,
                "time": time,
                "ends_about": _clock(_minutes(time) + film["runtime_minutes"] + 15),
                "screen": screen,
                "format": fmt,
                "status": status,
                "seats_left": None if cancelled else left,
                "cancellation_reason": cancelled,
                "prices_aud": prices,
                "_capacity": (rows, per_row, wheelchair),
                "_wheelchair_free": 0 if cancelled else min(wheelchair_free, wheelchair),
            }
        )
    return sessions


def _cine_session(session_id: int) -> tuple[str, str, dict[str, Any]]:
    start = datetime.date.fromisoformat(CINE_DAY)
    for slug in CINE_CINEMAS:
        for offset in range(CINE_DAYS_AHEAD + 1):
            day = (start + datetime.timedelta(offset)).isoformat()
            for session in _cine_sessions(slug, day):
                if session["session_id"] == session_id:
                    return slug, day, session
    raise HTTPException(
        404, f"No session with id {session_id}. Find session ids with listShowtimes."
    )


def _cine_public(session: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in session.items() if not k.startswith("_")}


def _cine_booking_key(code: str) -> str:
    """A booking code as printed ("BK-7Q2M"), also as "bk7q2m" or "BK 7Q2M"."""
    wanted = "".join(c for c in code.upper() if c.isalnum())
    if not wanted.startswith("BK"):
        wanted = f"BK{wanted}"
    for key in CINE_BOOKINGS:
        if key.replace("-", "") == wanted:
            return key
    raise HTTPException(
        404,
        f"No booking with code {code}. The code (like BK-7Q2M) is in your confirmation "
        "e-mail and in the app under My tickets.",
    )


def create_cinema_app(server_url: str) -> FastAPI:
    app = FastAPI(
        title="Southern Cross Cinemas API",
        version="4.3.0",
        description="Cinemas, films, session times, seats, bookings, Stellar Rewards points "
        "and candy bar prices of Southern Cross Cinemas, five cinemas in Victoria, "
        "Australia. Prices in AUD; times are Melbourne time.",
        servers=[{"url": server_url}],
    )

    @app.get(
        "/cinemas",
        operation_id="listCinemas",
        summary="Find a cinema",
        description="Our cinemas: id, name, address, phone, number of screens, features "
        "(IMAX, Vmax, 3D, recliners, licensed bar, wheelchair access), opening hours per "
        "weekday (null: closed that day), parking and public transport.",
    )
    def cinemas(
        q: str = Query("", description="Part of the name or suburb, e.g. Fitzroy. Empty: all."),
        feature: CineFeature | None = Query(None, description="Only cinemas with this feature."),
    ) -> dict[str, Any]:
        ignore = {"southern", "cross", "the", "cinema", "cinemas", "in", "at", "movies", "vic"}
        words = [w for w in re.sub(r"[^\w\s]", " ", _fold(q)).split() if w not in ignore]
        hits = []
        for slug, c in CINE_CINEMAS.items():
            text = _fold(f"{slug} {c['name']} {c['address']['suburb']} {CINE_ALIASES[slug]}")
            if all(w in text for w in words) and (feature is None or feature in c["features"]):
                hits.append({"id": slug, **{k: v for k, v in c.items() if k != "base_prices"}})
        return {
            "total": len(hits),
            "cinemas": hits,
            "message": None if hits else "No Southern Cross cinema matches.",
        }

    @app.get(
        "/films",
        operation_id="searchFilms",
        summary="Search films",
        description="Films now showing and coming soon: id, title, status (now_showing or "
        "coming_soon), release date, genres and formats. Runtime, classification, consumer "
        "advice and cast are in getFilm; session times are in listShowtimes.",
    )
    def search_films(
        q: str = Query("", description="Words from the title, e.g. tidewater. Empty: all."),
        genre: CineGenre | None = Query(None, description="Only films of this genre."),
        status: Literal["now_showing", "coming_soon"] | None = Query(
            None, description="Only films now showing, or only coming soon."
        ),
    ) -> dict[str, Any]:
        stop = {"the", "a", "film", "movie", "of", "part", "pt"}
        words = [w for w in re.sub(r"[^\w\s]", " ", _fold(q)).split() if w not in stop]
        hits = [
            film_id
            for film_id, f in CINE_FILMS.items()
            if all(w in _fold(f"{f['title']} {f['aliases']}") for w in words)
            and (genre is None or genre in f["genres"])
            and (status is None or f["status"] == status)
        ]
        return {
            "total": len(hits),
            "films": [
                {
                    "id": film_id,
                    "title": CINE_FILMS[film_id]["title"],
                    "status": CINE_FILMS[film_id]["status"],
                    "release_date": CINE_FILMS[film_id]["release_date"],
                    "genres": CINE_FILMS[film_id]["genres"],
                    "formats": CINE_FILMS[film_id]["formats"],
                }
                for film_id in hits
            ],
            "message": None if hits else "No film matches.",
        }

    @app.get(
        "/films/{film_id}",
        operation_id="getFilm",
        summary="A film's details",
        description="Title, status, release date, runtime, Australian classification (G, PG, "
        "M, MA15+, R18+) with what it means and the consumer advice, genres, language and "
        "subtitles, director, cast, synopsis, formats, the cinemas showing it, and advance "
        "ticket sales for films coming soon.",
    )
    def film(
        film_id: int = Path(description="Film id from searchFilms, e.g. 5101."),
    ) -> dict[str, Any]:
        f = _cine_film(film_id)
        showing = [
            slug
            for slug, rows in CINE_SCHEDULE.items()
            if f["status"] == "now_showing" and any(row[0] == film_id for row in rows)
        ]
        return {
            "id": film_id,
            **{k: v for k, v in f.items() if k != "aliases"},
            "classification_rules": CINE_CLASSIFICATION_RULES[f["classification"]],
            "showing_at": showing,
            "advance_tickets": CINE_ADVANCE.get(film_id),
        }

    @app.get(
        "/cinemas/{cinema_id}/showtimes",
        operation_id="listShowtimes",
        summary="Session times at a cinema",
        description="The sessions of one day at a cinema, by film: session id, start and "
        "approximate end time, screen, format, status (available, selling fast, sold out or "
        "cancelled, with the reason), seats left and ticket prices (adult, child, "
        "concession, senior). Seat maps are in getSeatAvailability.",
    )
    def showtimes(
        cinema_id: CineSlug = Path(description="Cinema id, e.g. fitzroy."),
        date: str | None = Query(
            None, pattern=r"^\d{4}-\d{2}-\d{2}$", description="Day, YYYY-MM-DD. Default: today."
        ),
        film: str | None = Query(
            None, description="Only this film: its title or id, e.g. Tidewater or 5101."
        ),
        format: CineFormat | None = Query(None, description="Only sessions in this format."),
    ) -> dict[str, Any]:
        day = date or CINE_DAY
        weekday = _weekday(day)
        last = (
            datetime.date.fromisoformat(CINE_DAY) + datetime.timedelta(CINE_DAYS_AHEAD)
        ).isoformat()
        if day < CINE_DAY:
            raise HTTPException(422, f"{day} is in the past (today is {CINE_DAY}).")
        if day > last:
            raise HTTPException(
                422, f"Sessions are published up to {last}. Check again later in the week."
            )
        cinema = CINE_CINEMAS[cinema_id]
        wanted: int | None = None
        if film:
            text = _fold(film).strip()
            if text.isdigit():
                wanted = int(text)
            else:
                words = [w for w in re.sub(r"[^\w\s]", " ", text).split() if w != "the"]
                wanted = next(
                    (
                        fid
                        for fid, f in CINE_FILMS.items()
                        if words and all(w in _fold(f"{f['title']} {f['aliases']}") for w in words)
                    ),
                    -1,
                )
        sessions = _cine_sessions(cinema_id, day)
        films: dict[int, list[dict[str, Any]]] = {}
        for s in sessions:
            if wanted is not None and s["film_id"] != wanted:
                continue
            if format is not None and s["format"] != format:
                continue
            films.setdefault(s["film_id"], []).append(_cine_public(s))
        hours = cinema["hours"][weekday]
        message = None
        if hours is None:
            message = f"{cinema['name']} is closed on {weekday}s."
        elif not films:
            message = "No sessions match."
        return {
            "cinema": {"id": cinema_id, "name": cinema["name"]},
            "date": day,
            "weekday": weekday,
            "open": hours is not None,
            "hours": hours,
            "cheap_tuesday": weekday == CINE_CHEAP_DAY and hours is not None,
            "films": [
                {
                    "film_id": fid,
                    "title": CINE_FILMS[fid]["title"],
                    "classification": CINE_FILMS[fid]["classification"],
                    "runtime_minutes": CINE_FILMS[fid]["runtime_minutes"],
                    "sessions": [{k: v for k, v in s.items() if k != "film_id"} for s in rows],
                }
                for fid, rows in films.items()
            ],
            "message": message,
        }

    @app.get(
        "/sessions/{session_id}/seats",
        operation_id="getSeatAvailability",
        summary="Free seats for a session",
        description="The seat map of a session: rows from A (front) to the back, the free "
        "seat numbers in each row, and the wheelchair spaces (with a companion seat each) "
        "and whether they are free.",
    )
    def seats(
        session_id: int = Path(description="Session id from listShowtimes, e.g. 882105."),
    ) -> dict[str, Any]:
        slug, day, session = _cine_session(session_id)
        film = CINE_FILMS[session["film_id"]]
        head = {
            "session_id": session_id,
            "cinema": {"id": slug, "name": CINE_CINEMAS[slug]["name"]},
            "film": {"id": session["film_id"], "title": film["title"]},
            "date": day,
            "time": session["time"],
            "screen": session["screen"],
            "format": session["format"],
            "status": session["status"],
        }
        if session["status"] == "cancelled":
            return {**head, "message": session["cancellation_reason"], "rows": []}
        rows, per_row, wheelchair = session["_capacity"]
        letters = "ABCDEFGHJKLMNOPQ"[:rows]
        everyone = [(r, n) for r in letters for n in range(1, per_row + 1)]
        ranked = sorted(everyone, key=lambda seat: _mix32(session_id, ord(seat[0]), seat[1]))
        free = set(ranked[: session["seats_left"]])
        free_wheelchair = session["_wheelchair_free"]
        return {
            **head,
            "seats_left": session["seats_left"],
            "capacity": rows * per_row,
            "rows": [
                {
                    "row": r,
                    "free_seats": [n for n in range(1, per_row + 1) if (r, n) in free],
                }
                for r in letters
            ],
            "wheelchair_spaces": [
                {
                    "space": f"WS{n + 1}",
                    "location": f"Row {letters[-1]}, level access from the rear entrance",
                    "companion_seat": True,
                    "free": n < free_wheelchair,
                }
                for n in range(wheelchair)
            ],
            "wheelchair_spaces_free": free_wheelchair,
        }

    @app.get(
        "/bookings/{booking_code}",
        operation_id="getBooking",
        summary="A booking by code",
        description="Status (confirmed, refunded or cancelled), name, cinema, film, date, "
        "time, screen, seats, tickets and extras with prices, total, payment, points "
        "earned, the refund if there was one, and how to get in.",
    )
    def booking(
        booking_code: str = Path(description="Booking code, e.g. BK-7Q2M."),
    ) -> dict[str, Any]:
        key = _cine_booking_key(booking_code)
        b = CINE_BOOKINGS[key]
        return {
            "booking_code": key,
            **{k: v for k, v in b.items() if k not in ("cinema", "film_id")},
            "weekday": _weekday(b["date"]),
            "cinema": {
                "id": b["cinema"],
                "name": CINE_CINEMAS[b["cinema"]]["name"],
                "address": CINE_CINEMAS[b["cinema"]]["address"],
            },
            "film": {
                "id": b["film_id"],
                "title": CINE_FILMS[b["film_id"]]["title"],
                "classification": CINE_FILMS[b["film_id"]]["classification"],
            },
            "rules": CINE_BOOKING_RULES,
        }

    @app.get(
        "/members/{card_number}",
        operation_id="getLoyaltyAccount",
        summary="Stellar Rewards points",
        description="A Stellar Rewards member's tier, points balance, points about to "
        "expire, tier benefits, recent activity, the rewards the points can pay for now and "
        "the next reward with the points still needed.",
    )
    def member(
        card_number: str = Path(description="The 12-digit Stellar card number."),
    ) -> dict[str, Any]:
        digits = "".join(c for c in card_number if c.isdigit())
        m = CINE_MEMBERS.get(digits)
        if m is None:
            raise HTTPException(404, f"No Stellar Rewards member with card number {card_number}.")
        affordable = [r for r in CINE_REWARDS if r["points"] <= m["points"]]
        upcoming = next((r for r in CINE_REWARDS if r["points"] > m["points"]), None)
        return {
            "card_number": f"{digits[:4]} {digits[4:8]} {digits[8:]}",
            **m,
            "rewards_available_now": affordable,
            "next_reward": None
            if upcoming is None
            else {**upcoming, "points_needed": upcoming["points"] - m["points"]},
            "reward_catalogue": CINE_REWARDS,
        }

    @app.get(
        "/cinemas/{cinema_id}/concessions",
        operation_id="getConcessionPrices",
        summary="Candy bar and bar prices",
        description="A cinema's candy bar prices (popcorn, drinks, snacks, combos), items "
        "unavailable today, the bar's drinks if the cinema is licensed (null if not), and "
        "Stellar member discounts.",
    )
    def concessions(
        cinema_id: CineSlug = Path(description="Cinema id, e.g. fitzroy."),
        category: Literal["popcorn", "drinks", "snacks", "combos"] | None = Query(
            None, description="Only this part of the candy bar."
        ),
    ) -> dict[str, Any]:
        cinema = CINE_CINEMAS[cinema_id]
        premium = CINE_PREMIUM.get(cinema_id, 0.0)
        missing = CINE_UNAVAILABLE.get(cinema_id, {})
        items = [
            {
                "category": kind,
                "item": name,
                "price_aud": round(price + premium, 2),
                "available": name not in missing,
                "note": missing.get(name),
            }
            for kind, name, price in CINE_CANDY_BAR
            if category is None or kind == category
        ]
        licensed = "licensed_bar" in cinema["features"]
        return {
            "cinema": {"id": cinema_id, "name": cinema["name"]},
            "currency": "AUD",
            "candy_bar": items,
            "licensed": licensed,
            "bar": [{"drink": name, "price_aud": price} for name, price in CINE_BAR]
            if licensed
            else None,
            "bar_note": "Alcohol only for guests 18 and over with photo ID; you may take "
            "drinks into M and MA15+ sessions."
            if licensed
            else f"{cinema['name']} is not licensed: no alcohol is sold or allowed.",
            "member_discounts": "Silver 10% and Gold 15% off the candy bar (not the bar); "
            "show your Stellar card.",
        }

    return app


# ---------------------------------------------------------------------------- vet

VET_DAY = "2027-01-15"  # a Friday
VET_CLINIC = {
    "name": "Maple Hollow Animal Hospital",
    "address": {
        "street": "2140 SE Division Street",
        "city": "Portland",
        "state": "OR",
        "zip": "97202",
    },
    "phone": "(503) 555-0148",
    "email": "frontdesk@maplehollowvet.com",
}
VET_EMERGENCY = {
    "name": "Cascade Veterinary Emergency Center",
    "address": "8005 NE Sandy Boulevard, Portland, OR 97213",
    "phone": "(503) 555-0190",
    "hours": "Open 24 hours, every day",
    "note": "For emergencies when we are closed. Call them on the way.",
}
VET_HOURS: dict[str, dict[str, str] | None] = {
    **{key: {"open": "07:30", "close": "19:00"} for key in WEEK[:5]},
    "Saturday": {"open": "08:00", "close": "13:00"},
    "Sunday": None,
}
VET_SPECIAL_DAYS: dict[str, dict[str, Any]] = {
    "2027-01-18": {
        "name": "Martin Luther King Jr. Day",
        "emergency_only": True,
        "hours": {"open": "09:00", "close": "17:00"},
        "note": "Emergency and urgent cases only: no routine appointments, vaccinations or "
        "pharmacy pickups. Please call before you come.",
    },
    "2027-02-15": {
        "name": "Presidents' Day",
        "emergency_only": True,
        "hours": {"open": "09:00", "close": "17:00"},
        "note": "Emergency and urgent cases only: no routine appointments, vaccinations or "
        "pharmacy pickups. Please call before you come.",
    },
}
VET_VETS: dict[int, dict[str, Any]] = {
    3: {
        "name": "Dr. Elena Ramos, DVM",
        "focus": "General practice, internal medicine, rabbits and birds",
        "days": WEEK[:5],
    },
    5: {
        "name": "Dr. Marcus Okafor, DVM",
        "focus": "General practice and soft-tissue surgery",
        "days": WEEK[1:6],
    },
    7: {
        "name": "Dr. Ingrid Lindgren, DVM",
        "focus": "Dentistry and general practice",
        "days": ["Monday", "Tuesday", "Thursday", "Saturday"],
    },
}
VET_AWAY: dict[int, tuple[str, str, str]] = {
    5: ("2027-01-15", "2027-01-18", "Away sick"),
}
VET_APPOINTMENT_TYPES: dict[str, dict[str, Any]] = {
    "wellness": {"name": "Wellness exam", "minutes": 30},
    "vaccination": {"name": "Vaccination visit (with a nurse check)", "minutes": 20},
    "sick_visit": {"name": "Sick visit or recheck", "minutes": 20},
    "dental": {"name": "Dental cleaning (drop-off, home the same day)", "minutes": 0},
    "surgery_consult": {"name": "Surgery consultation", "minutes": 40},
}
# (date, type): vet id -> free start times; other days follow a fixed pattern.
VET_FREE: dict[tuple[str, str], dict[int, list[str]]] = {
    ("2027-01-16", "vaccination"): {7: ["09:20", "10:40"]},
    ("2027-01-16", "wellness"): {7: ["11:30"]},
    ("2027-01-16", "sick_visit"): {7: ["12:20"]},
}
VET_PATIENTS: dict[int, dict[str, Any]] = {
    40218: {
        "name": "Biscuit",
        "species": "dog",
        "breed": "Beagle",
        "sex": "male",
        "neutered": True,
        "date_of_birth": "2019-05-03",
        "color": "Tricolor",
        "weight": {"kg": 14.1, "measured_on": "2026-06-18"},
        "microchip": {"number": "985141002345678", "implanted": "2019-07-10"},
        "allergies": [],
        "conditions": [],
        "alerts": ["Nervous at the clinic: muzzle for nail trims."],
        "primary_vet": 5,
        "owner": {"name": "Daniel Reyes", "phone": "(503) 555-0162"},
        "insurance": {"provider": "Trupanion", "policy": "TP-8830412"},
        "vaccinations": [
            ("Rabies (3-year)", "2023-12-02", "2026-12-02"),
            ("DHPP (3-year)", "2025-11-20", "2028-11-20"),
            ("Leptospirosis", "2026-06-18", "2027-06-18"),
            ("Bordetella (kennel cough)", "2026-06-18", "2027-06-18"),
        ],
        "last_visit": {"date": "2026-06-18", "reason": "Ear infection (left ear)"},
    },
    40577: {
        "name": "Milo",
        "species": "dog",
        "breed": "French Bulldog",
        "sex": "male",
        "neutered": True,
        "date_of_birth": "2021-09-14",
        "color": "Fawn",
        "weight": {"kg": 12.3, "measured_on": "2026-06-11"},
        "microchip": {"number": "985141003377120", "implanted": "2021-11-30"},
        "allergies": ["Chicken (food allergy)"],
        "conditions": ["Atopic dermatitis", "Brachycephalic airway: sedate with care"],
        "alerts": [],
        "primary_vet": 3,
        "owner": {"name": "Ethan Brooks", "phone": "(503) 555-0127"},
        "insurance": None,
        "vaccinations": [
            ("Rabies (3-year)", "2024-09-20", "2027-09-20"),
            ("DHPP (3-year)", "2024-09-20", "2027-09-20"),
            ("Bordetella (kennel cough)", "2026-03-02", "2027-03-02"),
        ],
        "last_visit": {"date": "2026-06-11", "reason": "Allergy recheck"},
    },
    40363: {
        "name": "Luna",
        "species": "cat",
        "breed": "Domestic Shorthair",
        "sex": "female",
        "neutered": True,
        "date_of_birth": "2016-04-02",
        "color": "Black",
        "weight": {"kg": 4.1, "measured_on": "2027-01-05"},
        "microchip": {"number": "985141000998877", "implanted": "2016-07-01"},
        "allergies": [],
        "conditions": ["Dental tartar (grade 2)"],
        "alerts": [],
        "primary_vet": 7,
        "owner": {"name": "Hannah Kim", "phone": "(503) 555-0185"},
        "insurance": None,
        "vaccinations": [
            ("FVRCP (3-year)", "2025-03-10", "2028-03-10"),
            ("Rabies (1-year)", "2026-03-10", "2027-03-10"),
        ],
        "last_visit": {
            "date": "2027-01-05",
            "reason": "Dental check and pre-anesthetic blood test",
        },
    },
    40752: {
        "name": "Mochi",
        "species": "cat",
        "breed": "Ragdoll",
        "sex": "female",
        "neutered": True,
        "date_of_birth": "2024-02-11",
        "color": "Seal point",
        "weight": {"kg": 4.6, "measured_on": "2026-04-22"},
        "microchip": None,
        "allergies": [],
        "conditions": [],
        "alerts": ["Indoor only."],
        "primary_vet": 3,
        "owner": {"name": "Sarah Whitlock", "phone": "(503) 555-0113"},
        "insurance": None,
        "vaccinations": [
            ("FVRCP (3-year)", "2025-04-22", "2028-04-22"),
            ("Rabies (1-year)", "2026-04-22", "2027-04-22"),
        ],
        "last_visit": {"date": "2026-04-22", "reason": "Annual wellness exam"},
    },
    40753: {
        "name": "Mochi",
        "species": "rabbit",
        "breed": "Holland Lop",
        "sex": "male",
        "neutered": True,
        "date_of_birth": "2023-06-01",
        "color": "Orange and white",
        "weight": {"kg": 1.8, "measured_on": "2026-08-30"},
        "microchip": {"number": "985141001239870", "implanted": "2023-09-14"},
        "allergies": [],
        "conditions": [],
        "alerts": [],
        "primary_vet": 3,
        "owner": {"name": "Kenji Sato", "phone": "(503) 555-0171"},
        "insurance": None,
        "vaccinations": [("RHDV2 (rabbit hemorrhagic disease)", "2026-08-30", "2027-08-30")],
        "last_visit": {"date": "2026-08-30", "reason": "Vaccination and nail trim"},
    },
    40129: {
        "name": "Pepper",
        "species": "dog",
        "breed": "Cavalier King Charles Spaniel",
        "sex": "female",
        "neutered": True,
        "date_of_birth": "2017-02-20",
        "color": "Blenheim",
        "weight": {"kg": 8.2, "measured_on": "2027-01-13"},
        "microchip": {"number": "985141000456211", "implanted": "2017-05-02"},
        "allergies": [],
        "conditions": ["Mitral valve disease (stage B2)"],
        "alerts": ["Heart patient: no sedation without Dr. Ramos's approval."],
        "primary_vet": 3,
        "owner": {"name": "Lucia Alvarez", "phone": "(503) 555-0139"},
        "insurance": {"provider": "Nationwide", "policy": "NW-5521907"},
        "vaccinations": [
            ("Rabies (3-year)", "2025-02-01", "2028-02-01"),
            ("DHPP (3-year)", "2024-02-01", "2027-02-01"),
        ],
        "last_visit": {"date": "2027-01-13", "reason": "Cardiology recheck and blood test"},
    },
    40316: {
        "name": "Pepper",
        "species": "cat",
        "breed": "Domestic Longhair",
        "sex": "male",
        "neutered": True,
        "date_of_birth": "2020-10-09",
        "color": "Grey tabby",
        "weight": {"kg": 5.4, "measured_on": "2026-10-02"},
        "microchip": {"number": "985141002211093", "implanted": "2021-01-15"},
        "allergies": [],
        "conditions": [],
        "alerts": [],
        "primary_vet": 5,
        "owner": {"name": "James Holt", "phone": "(503) 555-0104"},
        "insurance": None,
        "vaccinations": [
            ("FVRCP (3-year)", "2024-10-02", "2027-10-02"),
            ("Rabies (1-year)", "2026-10-02", "2027-10-02"),
        ],
        "last_visit": {"date": "2026-10-02", "reason": "Annual wellness exam"},
    },
    40091: {
        "name": "Ziggy",
        "species": "cat",
        "breed": "Siamese",
        "sex": "male",
        "neutered": True,
        "date_of_birth": "2012-08-05",
        "color": "Seal point",
        "weight": {"kg": 3.4, "measured_on": "2027-01-11"},
        "microchip": {"number": "985141000120045", "implanted": "2012-11-20"},
        "allergies": ["Penicillin"],
        "conditions": ["Weight loss (0.5 kg since July 2026)"],
        "alerts": [],
        "primary_vet": 3,
        "owner": {"name": "Margaret Olsen", "phone": "(503) 555-0158"},
        "insurance": None,
        "vaccinations": [
            ("FVRCP (3-year)", "2024-07-19", "2027-07-19"),
            ("Rabies (1-year)", "2026-07-19", "2027-07-19"),
        ],
        "last_visit": {"date": "2027-01-11", "reason": "Senior wellness exam and blood test"},
    },
    40610: {
        "name": "Oreo",
        "species": "rabbit",
        "breed": "Netherland Dwarf",
        "sex": "female",
        "neutered": True,
        "date_of_birth": "2022-05-15",
        "color": "Black and white",
        "weight": {"kg": 1.1, "measured_on": "2026-02-09"},
        "microchip": {"number": "985141004433219", "implanted": "2022-09-01"},
        "allergies": [],
        "conditions": [],
        "alerts": [],
        "primary_vet": 3,
        "owner": {"name": "Priya Nair", "phone": "(503) 555-0196"},
        "insurance": None,
        "vaccinations": [("RHDV2 (rabbit hemorrhagic disease)", "2026-02-09", "2027-02-09")],
        "last_visit": {"date": "2026-02-09", "reason": "Vaccination and dental check"},
    },
    40611: {
        "name": "Kiwi",
        "species": "bird",
        "breed": "Budgerigar",
        "sex": "male",
        "neutered": False,
        "date_of_birth": "2024-04-01",
        "color": "Green and yellow",
        "weight": {"kg": 0.035, "measured_on": "2026-05-12"},
        "microchip": None,
        "allergies": [],
        "conditions": [],
        "alerts": [],
        "primary_vet": 3,
        "owner": {"name": "Priya Nair", "phone": "(503) 555-0196"},
        "insurance": None,
        "vaccinations": [],
        "last_visit": {"date": "2026-05-12", "reason": "Beak and nail trim"},
    },
}
VET_PRESCRIPTIONS: dict[int, list[dict[str, Any]]] = {
    40577: [
        {
            "rx_number": 218804,
            "medication": "Apoquel (oclacitinib) 16 mg tablets",
            "directions": "1 tablet by mouth once daily",
            "quantity": 30,
            "prescribed_on": "2026-06-11",
            "prescribed_by": 3,
            "expires": "2027-06-11",
            "refills_total": 3,
            "refills_left": 0,
            "last_filled": "2026-12-20",
            "note": "No refills left. Dr. Ramos needs to see Milo for an allergy recheck "
            "before renewing long-term Apoquel: book a sick visit or recheck.",
        },
        {
            "rx_number": 218805,
            "medication": "Chlorhexidine 4% shampoo, 237 ml",
            "directions": "Bathe twice a week; leave on for 10 minutes before rinsing",
            "quantity": 1,
            "prescribed_on": "2026-06-11",
            "prescribed_by": 3,
            "expires": "2027-06-11",
            "refills_total": 2,
            "refills_left": 1,
            "last_filled": "2026-10-30",
            "note": None,
        },
    ],
    40129: [
        {
            "rx_number": 220131,
            "medication": "Vetmedin (pimobendan) 5 mg chewable tablets",
            "directions": "1 tablet by mouth twice daily, 1 hour before meals",
            "quantity": 60,
            "prescribed_on": "2026-07-02",
            "prescribed_by": 3,
            "expires": "2027-07-02",
            "refills_total": 5,
            "refills_left": 2,
            "last_filled": "2026-12-28",
            "note": None,
        },
        {
            "rx_number": 220132,
            "medication": "Enalapril 5 mg tablets",
            "directions": "1 tablet by mouth once daily",
            "quantity": 30,
            "prescribed_on": "2026-07-02",
            "prescribed_by": 3,
            "expires": "2027-07-02",
            "refills_total": 5,
            "refills_left": 3,
            "last_filled": "2026-12-28",
            "note": None,
        },
        {
            "rx_number": 209377,
            "medication": "Carprofen 25 mg tablets",
            "directions": "1 tablet by mouth twice daily with food, for 10 days",
            "quantity": 20,
            "prescribed_on": "2025-09-30",
            "prescribed_by": 5,
            "expires": "2026-09-30",
            "refills_total": 0,
            "refills_left": 0,
            "last_filled": "2025-09-30",
            "note": "Short course after a sprain; finished.",
        },
    ],
}
VET_REFILLS = (
    "Request refills online or by phone ((503) 555-0148, option 2). Ready for pickup after "
    "14:00 the next business day; no pickups on Sundays and emergency-only days."
)
VET_LAB_ORDERS: dict[int, dict[str, Any]] = {
    700412: {
        "patient_id": 40129,
        "panel": "Cardiac biomarker: NT-proBNP",
        "laboratory": "Pacific Reference Laboratory",
        "collected_on": "2027-01-13",
        "status": "pending",
        "expected_by": "2027-01-19",
        "reported_on": None,
        "results": [],
        "vet_comment": None,
        "note": "Sent to the reference laboratory; results usually take 3-4 business days. "
        "Dr. Ramos will call you when they are in.",
    },
    700388: {
        "patient_id": 40091,
        "panel": "Senior feline chemistry panel with total T4",
        "laboratory": "In-house",
        "collected_on": "2027-01-11",
        "status": "ready",
        "expected_by": None,
        "reported_on": "2027-01-13",
        "results": [
            ("Total T4", 5.8, "µg/dL", "0.8-4.7", "high"),
            ("BUN", 24, "mg/dL", "16-36", "normal"),
            ("Creatinine", 1.9, "mg/dL", "0.8-2.4", "normal"),
            ("ALT", 112, "U/L", "12-130", "normal"),
            ("Glucose", 132, "mg/dL", "74-159", "normal"),
        ],
        "vet_comment": "T4 is above the reference range, which fits hyperthyroidism. Dr. "
        "Ramos will call to discuss treatment options (medication, diet or radioiodine).",
        "note": None,
    },
    700420: {
        "patient_id": 40363,
        "panel": "Pre-anesthetic blood panel",
        "laboratory": "In-house",
        "collected_on": "2027-01-05",
        "status": "ready",
        "expected_by": None,
        "reported_on": "2027-01-05",
        "results": [
            ("BUN", 27, "mg/dL", "16-36", "normal"),
            ("Creatinine", 1.6, "mg/dL", "0.8-2.4", "normal"),
            ("ALT", 58, "U/L", "12-130", "normal"),
            ("PCV (hematocrit)", 38, "%", "30-45", "normal"),
        ],
        "vet_comment": "All normal: fine for anesthesia.",
        "note": None,
    },
}
VET_APPOINTMENTS: dict[str, dict[str, Any]] = {
    "APT-5Q8R": {
        "status": "cancelled",
        "patient_id": 40218,
        "type": "wellness",
        "reason": "Annual wellness exam and rabies booster",
        "vet_id": 5,
        "date": "2027-01-16",
        "time": "10:00",
        "booked_on": "2026-12-29",
        "instructions": None,
        "estimate_usd": None,
        "cancellation": {
            "date": "2027-01-15",
            "by": "clinic",
            "reason": "Dr. Okafor is ill. We left you a voicemail on 2027-01-15; please "
            "rebook online or by phone. No fee.",
        },
    },
    "APT-2M7X": {
        "status": "confirmed",
        "patient_id": 40363,
        "type": "dental",
        "reason": "Dental cleaning under anesthesia, with dental X-rays",
        "vet_id": 7,
        "date": "2027-01-19",
        "time": "08:00",
        "booked_on": "2027-01-05",
        "instructions": {
            "drop_off": "08:00 (front desk opens 07:30)",
            "pick_up": "Between 16:00 and 18:00 the same day; we call when she is awake.",
            "fasting": "No food after 22:00 the night before; water is fine until 06:00 on "
            "the day.",
            "medication": "Give usual medication with a small amount of water.",
        },
        "estimate_usd": {
            "low": 385.0,
            "high": 560.0,
            "note": "Extractions, if needed, are extra; we call you before doing any.",
        },
        "cancellation": None,
    },
    "APT-8HN3": {
        "status": "confirmed",
        "patient_id": 40129,
        "type": "sick_visit",
        "reason": "Cardiology recheck (blood pressure, NT-proBNP results)",
        "vet_id": 3,
        "date": "2027-01-22",
        "time": "15:30",
        "booked_on": "2027-01-13",
        "instructions": {"medication": "Give Vetmedin as usual on the day."},
        "estimate_usd": {"low": 45.0, "high": 45.0, "note": "Recheck exam."},
        "cancellation": None,
    },
}
VET_PRICES: dict[str, list[tuple[str, str, float, str | None]]] = {
    "exams": [
        ("Wellness exam", "dog, cat", 72.0, None),
        ("Wellness exam", "rabbit, bird, small mammal", 88.0, "With Dr. Ramos."),
        ("Sick visit", "all", 85.0, None),
        ("Recheck within 14 days of a visit", "all", 45.0, None),
        ("Emergency exam on an emergency-only day", "all", 150.0, "Tests and treatment extra."),
    ],
    "vaccines": [
        ("Rabies (1-year)", "dog, cat", 32.0, None),
        ("Rabies (3-year)", "dog, cat", 38.0, None),
        ("DHPP", "dog", 36.0, None),
        ("Leptospirosis", "dog", 34.0, None),
        ("Bordetella (kennel cough)", "dog", 30.0, None),
        ("FVRCP", "cat", 36.0, None),
        ("FeLV (feline leukemia)", "cat", 40.0, None),
        ("RHDV2", "rabbit", 55.0, None),
    ],
    "dental": [
        (
            "Dental cleaning under anesthesia",
            "cat",
            385.0,
            "Includes anesthesia and monitoring; pre-anesthetic blood panel and X-rays extra.",
        ),
        (
            "Dental cleaning under anesthesia",
            "dog under 20 kg",
            445.0,
            "Includes anesthesia and monitoring; pre-anesthetic blood panel and X-rays extra.",
        ),
        (
            "Dental cleaning under anesthesia",
            "dog 20 kg and over",
            520.0,
            "Includes anesthesia and monitoring; pre-anesthetic blood panel and X-rays extra.",
        ),
        ("Full-mouth dental X-rays", "dog, cat", 140.0, None),
        ("Tooth extraction", "dog, cat", 45.0, "From 45 to 180 USD a tooth, by tooth."),
    ],
    "surgery": [
        ("Spay", "cat", 295.0, None),
        ("Neuter", "cat", 185.0, None),
        ("Spay", "dog under 20 kg", 425.0, None),
        ("Spay", "dog 20 kg and over", 520.0, None),
        ("Neuter", "dog under 20 kg", 365.0, None),
        ("Neuter", "dog 20 kg and over", 445.0, None),
        ("Spay", "rabbit", 340.0, None),
    ],
    "diagnostics": [
        ("Pre-anesthetic blood panel", "dog, cat", 98.0, None),
        ("Senior chemistry panel", "dog, cat", 165.0, None),
        ("Total T4", "dog, cat", 58.0, None),
        ("NT-proBNP (sent out)", "dog, cat", 95.0, None),
        ("Urinalysis", "all", 62.0, None),
        ("X-rays (two views)", "all", 190.0, None),
    ],
    "other": [
        ("Microchip, implanted and registered", "all", 65.0, None),
        ("Nail trim", "all", 22.0, None),
        ("Anal gland expression", "dog, cat", 28.0, None),
    ],
}

VetSpecies = Literal["dog", "cat", "rabbit", "bird", "other"]
VetAppointmentType = Literal["wellness", "vaccination", "sick_visit", "dental", "surgery_consult"]
VetPriceCategory = Literal["exams", "vaccines", "dental", "surgery", "diagnostics", "other"]


def _vet_patient(patient_id: int) -> dict[str, Any]:
    patient = VET_PATIENTS.get(patient_id)
    if patient is None:
        raise HTTPException(
            404, f"No patient with id {patient_id}. Find patient ids with searchPatients."
        )
    return patient


def _vet_vaccine_status(due: str) -> str:
    if due < VET_DAY:
        return "overdue"
    soon = (datetime.date.fromisoformat(VET_DAY) + datetime.timedelta(30)).isoformat()
    return "due soon" if due <= soon else "up to date"


def _vet_age(birth: str) -> int:
    born = datetime.date.fromisoformat(birth)
    today = datetime.date.fromisoformat(VET_DAY)
    return today.year - born.year - ((today.month, today.day) < (born.month, born.day))


def _vet_day(day: str) -> tuple[dict[str, str] | None, bool, str | None]:
    """The clinic's hours on a date (None: closed), whether it is emergency-only, a note."""
    weekday = _weekday(day)
    special = VET_SPECIAL_DAYS.get(day)
    if special:
        return special["hours"], special["emergency_only"], f"{special['name']}: {special['note']}"
    hours = VET_HOURS[weekday]
    return hours, False, None if hours else f"Closed on {weekday}s."


def _vet_away(vet_id: int, day: str) -> str | None:
    away = VET_AWAY.get(vet_id)
    if away and away[0] <= day <= away[1]:
        return f"{away[2]} ({away[0]} to {away[1]})."
    return None


def _vet_code(code: str) -> str:
    """An appointment code as printed ("APT-5Q8R"), also as "apt5q8r" or "5Q8R"."""
    wanted = "".join(c for c in code.upper() if c.isalnum())
    if not wanted.startswith("APT"):
        wanted = f"APT{wanted}"
    for key in VET_APPOINTMENTS:
        if key.replace("-", "") == wanted:
            return key
    raise HTTPException(
        404,
        f"No appointment with code {code}. The code (like APT-5Q8R) is in your confirmation "
        "text and e-mail.",
    )


def create_vet_app(server_url: str) -> FastAPI:
    app = FastAPI(
        title="Maple Hollow Animal Hospital Client API",
        version="1.9.2",
        description="Patients (pets) and their vaccinations, prescriptions and refills, lab "
        "results, appointment availability and bookings, opening hours and prices of Maple "
        "Hollow Animal Hospital, a small-animal practice in Portland, Oregon. Prices in USD; "
        "times are Pacific time.",
        servers=[{"url": server_url}],
    )

    @app.get(
        "/patients",
        operation_id="searchPatients",
        summary="Find a patient",
        description="Pets registered at the practice by pet name and/or owner name: patient "
        "id, name, species, breed and owner. Details, weight, microchip and vaccinations "
        "are in getPatient.",
    )
    def search_patients(
        name: str = Query("", description="The pet's name, e.g. Biscuit."),
        owner: str = Query("", description="The owner's first and/or last name, e.g. Reyes."),
        species: VetSpecies | None = Query(None, description="Only this species."),
    ) -> dict[str, Any]:
        if not name.strip() and not owner.strip():
            raise HTTPException(422, "Give a pet name, an owner name or both.")
        pet_words = _fold(name).split()
        owner_words = [
            w
            for w in re.sub(r"[^\w\s]", " ", _fold(owner)).split()
            if w not in {"mr", "mrs", "ms", "dr"}
        ]
        hits = [
            pid
            for pid, p in VET_PATIENTS.items()
            if all(w in _fold(p["name"]).split() for w in pet_words)
            and all(w in _fold(p["owner"]["name"]).split() for w in owner_words)
            and (species is None or p["species"] == species)
        ]
        return {
            "total": len(hits),
            "patients": [
                {
                    "patient_id": pid,
                    "name": VET_PATIENTS[pid]["name"],
                    "species": VET_PATIENTS[pid]["species"],
                    "breed": VET_PATIENTS[pid]["breed"],
                    "owner": VET_PATIENTS[pid]["owner"]["name"],
                }
                for pid in hits
            ],
            "message": None if hits else "No patient matches.",
        }

    @app.get(
        "/patients/{patient_id}",
        operation_id="getPatient",
        summary="A patient's record",
        description="A pet's details: species, breed, sex, neutered or spayed, date of birth "
        "and age, latest weight, microchip (null: none on file), allergies, conditions, "
        "alerts, primary vet, owner, insurance, last visit, and vaccinations with the date "
        "given, the date due and a status (up to date, due soon or overdue).",
    )
    def patient(
        patient_id: int = Path(description="Patient id from searchPatients, e.g. 40218."),
    ) -> dict[str, Any]:
        p = _vet_patient(patient_id)
        vaccinations = [
            {
                "vaccine": vaccine,
                "last_given": given,
                "due": due,
                "status": _vet_vaccine_status(due),
            }
            for vaccine, given, due in p["vaccinations"]
        ]
        return {
            "patient_id": patient_id,
            **{k: v for k, v in p.items() if k not in ("vaccinations", "weight", "primary_vet")},
            "age_years": _vet_age(p["date_of_birth"]),
            "weight": {
                "kg": p["weight"]["kg"],
                "lb": round(p["weight"]["kg"] * 2.20462, 1),
                "measured_on": p["weight"]["measured_on"],
            },
            "primary_vet": {"id": p["primary_vet"], "name": VET_VETS[p["primary_vet"]]["name"]},
            "vaccinations": vaccinations,
            "vaccinations_overdue": [
                v["vaccine"] for v in vaccinations if v["status"] == "overdue"
            ],
        }

    @app.get(
        "/patients/{patient_id}/prescriptions",
        operation_id="getPrescriptions",
        summary="A patient's prescriptions and refills",
        description="Each prescription: Rx number, medication, directions, quantity, who "
        "prescribed it and when, expiry, refills total and left, last filled, whether it can "
        "be refilled now and why not, and how to request a refill.",
    )
    def prescriptions(
        patient_id: int = Path(description="Patient id from searchPatients, e.g. 40218."),
        status: Literal["active", "expired", "all"] = Query(
            "all", description="Only active or only expired prescriptions. Default: all."
        ),
    ) -> dict[str, Any]:
        p = _vet_patient(patient_id)
        rows = []
        for rx in VET_PRESCRIPTIONS.get(patient_id, []):
            expired = rx["expires"] < VET_DAY
            if (status == "active" and expired) or (status == "expired" and not expired):
                continue
            if expired:
                state = "expired"
            elif rx["refills_left"] == 0:
                state = "no refills left"
            else:
                state = "active"
            rows.append(
                {
                    **{k: v for k, v in rx.items() if k != "prescribed_by"},
                    "prescribed_by": VET_VETS[rx["prescribed_by"]]["name"],
                    "status": state,
                    "can_refill": state == "active",
                }
            )
        return {
            "patient": {"id": patient_id, "name": p["name"], "species": p["species"]},
            "prescriptions": rows,
            "message": None if rows else f"No prescriptions on file for {p['name']}.",
            "how_to_refill": VET_REFILLS,
        }

    @app.get(
        "/lab-orders/{order_number}",
        operation_id="getLabResults",
        summary="Lab results by order number",
        description="A lab order's patient, panel, laboratory, collection date and status "
        "(pending, partial or ready), the expected date while pending, and when ready each "
        "test's value, unit, reference range and flag (low, normal, high), with the vet's "
        "comment.",
    )
    def lab_results(
        order_number: int = Path(description="The lab order number, e.g. 700388."),
    ) -> dict[str, Any]:
        order = VET_LAB_ORDERS.get(order_number)
        if order is None:
            raise HTTPException(
                404, f"No lab order {order_number}. The 6-digit order number is on your invoice."
            )
        p = VET_PATIENTS[order["patient_id"]]
        return {
            "order_number": order_number,
            "patient": {"id": order["patient_id"], "name": p["name"], "species": p["species"]},
            **{k: v for k, v in order.items() if k not in ("patient_id", "results")},
            "results": [
                {
                    "test": test,
                    "value": value,
                    "unit": unit,
                    "reference_range": reference,
                    "flag": flag,
                }
                for test, value, unit, reference, flag in order["results"]
            ],
        }

    @app.get(
        "/appointment-slots",
        operation_id="listAppointmentSlots",
        summary="Free appointment times on a day",
        description="For one day and one type of appointment: the clinic's hours that day "
        "(closed or emergency-only days say so), and each vet working that day with the "
        "free start times; vets who are away are listed with the reason. Up to 60 days "
        "ahead.",
    )
    def slots(
        date: str = Query(pattern=r"^\d{4}-\d{2}-\d{2}$", description="Day, YYYY-MM-DD."),
        type: VetAppointmentType = Query(description="Kind of appointment."),
        vet_id: int | None = Query(None, description="Only this vet (3, 5 or 7)."),
    ) -> dict[str, Any]:
        weekday = _weekday(date)
        if date < VET_DAY:
            raise HTTPException(422, f"{date} is in the past (today is {VET_DAY}).")
        latest = (datetime.date.fromisoformat(VET_DAY) + datetime.timedelta(60)).isoformat()
        if date > latest:
            raise HTTPException(422, f"Appointments can be booked up to {latest}.")
        if vet_id is not None and vet_id not in VET_VETS:
            raise HTTPException(404, f"No vet with id {vet_id}. Vets: 3, 5 and 7.")
        kind = VET_APPOINTMENT_TYPES[type]
        hours, emergency_only, note = _vet_day(date)
        out: dict[str, Any] = {
            "date": date,
            "weekday": weekday,
            "type": type,
            "appointment": kind["name"],
            "duration_minutes": kind["minutes"] or None,
            "clinic": {"open": hours is not None, "hours": hours, "emergency_only": emergency_only},
            "note": note,
        }
        if hours is None or emergency_only:
            return {
                **out,
                "vets": [],
                "away": [],
                "message": f"No {kind['name'].lower()} appointments on {date}. "
                + (note or "")
                + f" For emergencies: {VET_EMERGENCY['name']}, {VET_EMERGENCY['phone']}.",
            }
        vets, away = [], []
        overrides = VET_FREE.get((date, type))
        ordinal = datetime.date.fromisoformat(date).toordinal()
        for vid, vet in VET_VETS.items():
            if vet_id is not None and vid != vet_id:
                continue
            if weekday not in vet["days"]:
                continue
            reason = _vet_away(vid, date)
            if reason:
                away.append({"vet_id": vid, "name": vet["name"], "reason": reason})
                continue
            if overrides is not None:
                free = overrides.get(vid, [])
            elif type == "dental":
                free = ["08:00"] if vid == 7 and weekday in ("Tuesday", "Thursday") else []
                if free and _mix32(ordinal, vid) % 3 == 0:
                    free = []
            else:
                start = _minutes(hours["open"]) + 30
                end = _minutes(hours["close"]) - kind["minutes"]
                free = [
                    _clock(m)
                    for m in range(start, end + 1, kind["minutes"])
                    if _mix32(ordinal, vid, m) % 4 == 0
                ]
            vets.append(
                {"vet_id": vid, "name": vet["name"], "focus": vet["focus"], "free_times": free}
            )
        total = sum(len(v["free_times"]) for v in vets)
        return {
            **out,
            "vets": vets,
            "away": away,
            "message": None if total else f"No free {kind['name'].lower()} times on {date}.",
        }

    @app.get(
        "/appointments/{confirmation_code}",
        operation_id="getAppointment",
        summary="An appointment by confirmation code",
        description="Status (confirmed or cancelled), pet, owner, type and reason, vet, date "
        "and time, preparation instructions (fasting, drop-off and pick-up), the cost "
        "estimate, and the cancellation (date, by whom, why).",
    )
    def appointment(
        confirmation_code: str = Path(description="Confirmation code, e.g. APT-5Q8R."),
    ) -> dict[str, Any]:
        key = _vet_code(confirmation_code)
        a = VET_APPOINTMENTS[key]
        p = VET_PATIENTS[a["patient_id"]]
        return {
            "confirmation_code": key,
            "status": a["status"],
            "patient": {"id": a["patient_id"], "name": p["name"], "species": p["species"]},
            "owner": p["owner"]["name"],
            **{k: v for k, v in a.items() if k not in ("status", "patient_id", "vet_id")},
            "weekday": _weekday(a["date"]),
            "vet": {"id": a["vet_id"], "name": VET_VETS[a["vet_id"]]["name"]},
            "policy": "Please give 24 hours' notice to cancel or change; a 35 USD fee applies "
            "to missed appointments.",
        }

    @app.get(
        "/hours",
        operation_id="getOpeningHours",
        summary="Opening hours",
        description="The clinic's address and phone, opening hours per weekday (null: closed), "
        "holidays and emergency-only days in the coming weeks, and where to go for "
        "emergencies when we are closed. With a date: the hours that day.",
    )
    def hours(
        date: str | None = Query(
            None, pattern=r"^\d{4}-\d{2}-\d{2}$", description="A day, YYYY-MM-DD (optional)."
        ),
    ) -> dict[str, Any]:
        out: dict[str, Any] = {
            **VET_CLINIC,
            "today": VET_DAY,
            "hours": VET_HOURS,
            "special_days": [
                {"date": day, "weekday": _weekday(day), **special}
                for day, special in VET_SPECIAL_DAYS.items()
                if day >= VET_DAY
            ],
            "emergencies": VET_EMERGENCY,
        }
        if date:
            day_hours, emergency_only, note = _vet_day(date)
            out["on_date"] = {
                "date": date,
                "weekday": _weekday(date),
                "open": day_hours is not None,
                "hours": day_hours,
                "emergency_only": emergency_only,
                "note": note,
            }
        return out

    @app.get(
        "/prices",
        operation_id="getPriceList",
        summary="Price list",
        description="Prices of exams, vaccines, dental care, surgery, diagnostics and other "
        "services, by species or size where they differ. Optionally one category.",
    )
    def prices(
        category: VetPriceCategory | None = Query(None, description="Only this category."),
    ) -> dict[str, Any]:
        return {
            "currency": "USD",
            "categories": {
                key: [
                    {"service": service, "for": species, "price_usd": price, "note": note}
                    for service, species, price, note in rows
                ]
                for key, rows in VET_PRICES.items()
                if category is None or key == category
            },
            "note": "Prices from 2027-01-01, before tax on products. Estimates for "
            "procedures are given at the visit.",
        }

    return app

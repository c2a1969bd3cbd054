// Preview: the chat component on the draft ("draft": true), started on the first message.
// A change to the draft starts it over with the draft's starters, as the GPT it talks to
// changed (after the turn that is running, if one is).

import { mountChat } from "./chat.js";

export function setupPreview(container, restartButton, gptId) {
  let starters = [];
  let stale = false;
  const chat = mountChat(container, {
    gptId,
    draft: true,
    starters,
    onTurnEnd: () => {
      if (stale) restart();
    },
  });

  function restart() {
    if (chat.controller) {
      stale = true; // a turn is running: start over when it ends
      return;
    }
    stale = false;
    chat.reset({ starters });
  }

  restartButton.addEventListener("click", () => {
    chat.controller?.abort();
    stale = false;
    chat.reset({ starters });
  });

  return {
    /** The draft changed: show its starters and start the chat over. */
    draftChanged(gpt) {
      if (gpt) starters = gpt.conversation_starters ?? [];
      restart();
    },
  };
}

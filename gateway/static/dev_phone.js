// The phone simulator: shows the chosen phone's conversation, polling for new texts.
(() => {
  "use strict";
  const main = document.querySelector("main[data-texts-url]");
  const list = document.getElementById("conversation");
  const phone = document.getElementById("phone");
  const other = document.getElementById("other"); // anyone's number, when typed
  const POLL_MS = 1500;

  function render(texts) {
    list.replaceChildren(
      ...texts.map((text) => {
        const li = document.createElement("li");
        li.className = text.from === "phone" ? "sent" : "received";
        li.textContent = text.body;
        return li;
      }),
    );
  }

  function poll() {
    const number = other.value.trim() || phone.value;
    const url = `${main.dataset.textsUrl}?number=${encodeURIComponent(number)}`;
    fetch(url, { cache: "no-store" })
      .then((answer) => (answer.ok ? answer.json() : null))
      .then((texts) => texts && render(texts))
      .catch(() => {})
      .finally(() => setTimeout(poll, POLL_MS));
  }
  phone.addEventListener("change", () => {
    other.value = "";
    list.replaceChildren();
  });
  other.addEventListener("change", () => list.replaceChildren());
  poll();
})();

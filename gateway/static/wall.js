// The live wall: follows the event's posts by server-sent events, or by polling where
// those are missing or refused; both keep trying after the server restarts.
(() => {
  "use strict";
  const main = document.querySelector("main[data-state-url]");
  const list = document.getElementById("posts");
  const empty = document.getElementById("empty");
  const paused = document.getElementById("paused");
  const POLL_MS = 3000;

  const time = (iso) =>
    new Date(iso).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });

  function item(post) {
    const li = document.createElement("li");
    li.dataset.id = post.id;
    if (post.pinned) li.className = "pinned";
    const text = document.createElement("p");
    text.className = "text";
    text.textContent = post.text;
    const meta = document.createElement("p");
    meta.className = "meta";
    const when = document.createElement("time");
    when.dateTime = post.time;
    when.textContent = time(post.time);
    meta.append(when);
    for (const place of post.places) {
      const link = document.createElement("a");
      link.href = place.url;
      link.textContent = `${place.platform} @${place.handle}`;
      meta.append(" · ", link);
    }
    li.append(text);
    if (post.photos_words) {
      const photos = document.createElement("p");
      photos.className = "photos";
      photos.textContent = post.photos_words;
      li.append(photos);
    }
    li.append(meta);
    return li;
  }

  function render(state) {
    list.replaceChildren(...state.posts.map(item));
    empty.hidden = state.posts.length > 0;
    paused.hidden = !state.paused;
  }

  function poll() {
    fetch(main.dataset.stateUrl, { cache: "no-store", credentials: "same-origin" })
      .then((answer) => (answer.ok ? answer.json() : null))
      .then((state) => state && render(state))
      .catch(() => {})
      .finally(() => setTimeout(poll, POLL_MS));
  }

  if (!("EventSource" in window)) {
    poll();
    return;
  }
  function follow() {
    const stream = new EventSource(main.dataset.streamUrl);
    stream.onmessage = (message) => render(JSON.parse(message.data));
    stream.onerror = () => {
      // A network error reconnects by itself; a refused answer closes the stream:
      // then look again in a while.
      if (stream.readyState === EventSource.CLOSED) setTimeout(follow, POLL_MS);
    };
  }
  follow();
})();

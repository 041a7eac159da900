// Injected by `lettre dev` into every page it serves: reloads the page after a rebuild,
// keeping its scroll position, and shows build errors over the last good preview.
(() => {
  const key = `lettre-scroll:${location.pathname}:${innerWidth}`;
  const saved = sessionStorage.getItem(key);
  if (saved !== null) {
    sessionStorage.removeItem(key);
    addEventListener("load", () => scrollTo(0, Number(saved)));
  }
  addEventListener("beforeunload", () => sessionStorage.setItem(key, String(scrollY)));
  if (window.top !== window) return; // frames are reloaded with their page

  function overlay(messages, title) {
    let box = document.getElementById("lettre-overlay");
    if (!box) {
      box = document.createElement("div");
      box.id = "lettre-overlay";
      box.setAttribute("role", "alert");
      box.style.cssText =
        "position:fixed;left:0;right:0;bottom:0;max-height:50vh;overflow:auto;z-index:2147483647;" +
        "background:#fff5f5;color:#7a1212;border-top:4px solid #b3261e;padding:12px 16px;" +
        "font:14px/1.5 ui-monospace,Menlo,Consolas,monospace;box-shadow:0 -4px 16px rgba(0,0,0,.2)";
      document.body.append(box);
    }
    const heading = document.createElement("strong");
    heading.textContent = title;
    const list = document.createElement("pre");
    list.style.cssText = "white-space:pre-wrap;margin:6px 0 0";
    list.textContent = messages.join("\n");
    box.replaceChildren(heading, list);
  }

  const events = new EventSource("/__lettre/events");
  events.addEventListener("reload", () => location.reload());
  events.addEventListener("problem", (event) => {
    const { messages, title } = JSON.parse(event.data);
    overlay(messages, title);
  });
})();

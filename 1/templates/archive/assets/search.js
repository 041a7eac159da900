// Client-side search over every issue: the index (search-index.js) is a static file, so the
// archive needs no server. Without JavaScript the page says so and links to the list.
(() => {
  const script = document.currentScript;
  const root = script.dataset.root || "../";
  const entries = window.LETTRE_SEARCH || [];
  const form = document.querySelector("form.search");
  const input = document.getElementById("q");
  const status = document.getElementById("search-status");
  const results = document.getElementById("search-results");

  const fold = (text) =>
    String(text)
      .normalize("NFD")
      .replace(/[\u0300-\u036f]/g, "")
      .toLowerCase();
  const indexed = entries.map((entry) => ({
    entry,
    title: fold(entry.title),
    all: fold([entry.title, entry.summary, entry.tags.join(" "), entry.text].join(" ")),
  }));

  function search(query) {
    const terms = fold(query).split(/\s+/).filter(Boolean);
    if (terms.length === 0) return [];
    return indexed
      .filter((item) => terms.every((term) => item.all.includes(term)))
      .map((item) => ({
        entry: item.entry,
        score: terms.filter((term) => item.title.includes(term)).length,
      }))
      .sort((a, b) => b.score - a.score || b.entry.date.localeCompare(a.entry.date))
      .map((item) => item.entry);
  }

  function element(tag, text, attributes) {
    const node = document.createElement(tag);
    if (text) node.textContent = text;
    for (const [name, value] of Object.entries(attributes || {})) node.setAttribute(name, value);
    return node;
  }

  function show(query) {
    results.replaceChildren();
    if (!query.trim()) {
      status.textContent = "";
      return;
    }
    const found = search(query);
    status.textContent = found.length
      ? script.dataset.count.replace("{count}", String(found.length))
      : script.dataset.none;
    for (const entry of found) {
      const item = element("li", "", { class: "card" });
      const heading = element("h2");
      heading.append(element("a", entry.title, { href: `${root}${entry.slug}/` }));
      const meta = element("p", "", { class: "meta" });
      meta.append(element("time", entry.dateText, { datetime: entry.date }));
      item.append(heading, meta, element("p", entry.summary));
      results.append(item);
    }
  }

  const params = new URLSearchParams(window.location.search);
  input.value = params.get("q") || "";
  show(input.value);
  input.addEventListener("input", () => show(input.value));
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const url = new URL(window.location.href);
    url.searchParams.set("q", input.value);
    window.history.replaceState(null, "", url);
    show(input.value);
  });
})();

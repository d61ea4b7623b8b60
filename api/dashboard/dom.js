// Building the page: elements from data (never HTML strings, so text from the API cannot
// become markup), tables, and the footnotes every protected number points to.

/** An element with attributes (`on…` ones are listeners) and children (nodes or text). */
export function h(tag, attributes, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes ?? {})) {
    if (value === false || value === null || value === undefined) continue;
    if (name.startsWith("on")) element.addEventListener(name.slice(2), value);
    else if (name === "class") element.className = value;
    else element.setAttribute(name, value === true ? "" : String(value));
  }
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    element.append(child instanceof Node ? child : String(child));
  }
  return element;
}

/** A table with a caption and column headers; `numeric` columns align right. */
export function table(caption, headers, rows, numeric = []) {
  return h(
    "div",
    { class: "table-wrap", role: "region", "aria-label": caption, tabindex: 0 },
    h(
      "table",
      {},
      h("caption", {}, caption),
      h("thead", {}, h("tr", {}, headers.map((text, i) =>
        h("th", { scope: "col", class: numeric.includes(i) ? "num" : null }, text)))),
      h("tbody", {}, rows.map((cells) => h("tr", {}, cells.map((cell, i) =>
        i === 0
          ? h("th", { scope: "row" }, cell)
          : h("td", { class: numeric.includes(i) ? "num" : null }, cell))))),
    ),
  );
}

const number = new Intl.NumberFormat("en-GB", { maximumFractionDigits: 1 });

export function formatNumber(value, unit) {
  if (value === null || value === undefined) return "–";
  return unit === "PERCENT" ? `${number.format(value)}%` : number.format(value);
}

/**
 * The footnotes of one screen: each kind of protection the API reported gets one numbered
 * note, and every number it touched a reference to it.
 */
export class Notes {
  constructor(prefix) {
    this.prefix = prefix;
    this.entries = new Map();
  }

  ref(kind, text) {
    if (!this.entries.has(kind)) this.entries.set(kind, { n: this.entries.size + 1, text });
    const { n } = this.entries.get(kind);
    return h("sup", { class: "note-ref" },
      h("a", { href: `#${this.prefix}-note-${n}`, "aria-label": `note ${n}` }, `[${n}]`));
  }

  /**
   * A number as the API reported it: "–" with a note when suppressed, a note when perturbed
   * (cell-key) or when it leaves out young people not shared with the reader.
   */
  figure(value, { unit, suppressed, excludesUnshared, disclosure } = {}) {
    const refs = [];
    if (suppressed) {
      refs.push(this.ref("suppressed",
        `Not shown: it would describe fewer than ${disclosure?.threshold ?? "a few"} young ` +
        "people, or would let a small number elsewhere be worked out (disclosure control)."));
    } else if (value !== null && value !== undefined && disclosure?.method === "CELL_KEY") {
      refs.push(this.ref("perturbed",
        "Slightly perturbed to protect young people (the cell-key method): a count may " +
        `differ from the true one by up to ${disclosure.maxNoise}, a mean or percentage a ` +
        "little; the same young people always give the same numbers."));
    }
    if (excludesUnshared) {
      refs.push(this.ref("unshared",
        "Leaves out a few young people whose information is not shared with your " +
        "organisation."));
    }
    const text = suppressed ? "–" : formatNumber(value, unit);
    return h("span", { class: suppressed ? "figure suppressed" : "figure" }, text, refs);
  }

  render() {
    if (this.entries.size === 0) return null;
    return h("aside", { class: "notes", "aria-label": "Notes on the numbers" },
      h("h3", {}, "Notes on the numbers"),
      h("ol", {}, [...this.entries.values()].map(({ n, text }) =>
        h("li", { id: `${this.prefix}-note-${n}` }, text))));
  }
}

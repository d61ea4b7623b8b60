// Charts drawn with uPlot (vendored, README "Dashboard"), each beside a table of the same
// numbers: the table is the accessible version, the chart a picture of it. Series differ by
// dash pattern as well as colour, so colour is never the only cue.
import uPlot from "./vendor/uplot/uPlot.esm.js";
import { h } from "./dom.js";

const SERIES_STYLES = [
  { stroke: "#1d4e89", dash: [] },
  { stroke: "#a33c12", dash: [10, 5] },
  { stroke: "#2d6a30", dash: [3, 4] },
  { stroke: "#6a1b9a", dash: [12, 4, 3, 4] },
];
const HEIGHT = 260;

/** A figure holding a chart, a key and the table alternative. */
export function chartFigure({ title, description, keys = [], table, draw }) {
  const canvas = h("div", { class: "chart", role: "img", "aria-label": description });
  const figure = h("figure", { class: "chart-figure" },
    h("figcaption", {}, title),
    canvas,
    keys.length > 1
      ? h("ul", { class: "chart-key", "aria-label": "Key" }, keys.map((label, i) =>
        h("li", {}, h("span", { class: `swatch swatch-${i}`, "aria-hidden": "true" }), label)))
      : null,
    table);
  // Drawn once the figure is in the page and has a width; redrawn when that width changes.
  requestAnimationFrame(() => {
    const width = () => Math.max(canvas.clientWidth, 240);
    const plot = draw(canvas, width());
    new ResizeObserver(() => plot.setSize({ width: width(), height: HEIGHT })).observe(canvas);
  });
  return figure;
}

const axisFont = "13px system-ui, sans-serif";

function axes(yLabel, x = {}) {
  return [
    { stroke: "#222", font: axisFont, grid: { stroke: "#ddd" }, ...x },
    { stroke: "#222", font: axisFont, grid: { stroke: "#ddd" }, label: yLabel, labelFont: axisFont },
  ];
}

/** Lines over time: `x` in seconds since the epoch, one series per entry of `series`. */
export function lineChart({ x, series, yLabel }) {
  return (element, width) => new uPlot({
    width,
    height: HEIGHT,
    legend: { show: false },
    scales: { x: { time: true } },
    axes: axes(yLabel),
    series: [
      {},
      ...series.map((s, i) => ({
        label: s.label,
        stroke: SERIES_STYLES[i % SERIES_STYLES.length].stroke,
        dash: SERIES_STYLES[i % SERIES_STYLES.length].dash,
        width: 2,
        spanGaps: false,
        points: { show: true, size: 6 },
      })),
    ],
  }, [x, ...series.map((s) => s.values)], element);
}

/** One bar per item, labelled 1, 2, … as the table's rows are. */
export function barChart({ values, yLabel }) {
  const positions = values.map((_, i) => i);
  return (element, width) => new uPlot({
    width,
    height: HEIGHT,
    legend: { show: false },
    scales: { x: { time: false, range: [-0.6, values.length - 0.4] } },
    axes: axes(yLabel, {
      splits: () => positions,
      values: (_, splits) => splits.map((i) => String(i + 1)),
    }),
    series: [
      {},
      {
        label: yLabel,
        stroke: SERIES_STYLES[0].stroke,
        fill: "#1d4e89cc",
        paths: uPlot.paths.bars({ size: [0.6, 80] }),
        points: { show: false },
      },
    ],
  }, [positions, values], element);
}

// The dashboard's screens. Each takes the session context (the user, the partnerships they
// can see, the indicators) and returns the screen's elements, reading only through GraphQL.
import { run } from "./graphql.js";
import { barChart, chartFigure, lineChart } from "./charts.js";
import { Notes, formatNumber, h, table } from "./dom.js";
import { TILES } from "./tiles.js";

const words = (value) =>
  value ? value.charAt(0) + value.slice(1).toLowerCase().replaceAll("_", " ") : "";
const day = (value) => (value ? value.slice(0, 10) : "–");

/** The sign-in screen: paste a token, or (under `serve --demo`) pick a demo user. */
export function signIn({ message, demoUsers, onToken }) {
  const field = h("textarea", {
    id: "token", name: "token", rows: 4, required: true, autocomplete: "off", spellcheck: "false",
    "aria-describedby": "token-help",
  });
  const form = h("form", { class: "sign-in" },
    h("label", { for: "token" }, "Bearer token"),
    h("p", { id: "token-help", class: "help" },
      "A token the service issued for you (for example with `api token --user EMAIL`). It is " +
      "kept in this browser tab only."),
    field,
    h("button", { type: "submit" }, "Sign in"));
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    onToken(field.value.trim());
  });
  return [
    h("h1", {}, "Sign in"),
    message ? h("p", { class: "error", role: "alert" }, message) : null,
    demoUsers.length
      ? h("section", { "aria-labelledby": "demo-heading" },
        h("h2", { id: "demo-heading" }, "Demo users"),
        h("p", {}, "This service runs the invented demo dataset. Sign in as one of its users:"),
        h("ul", { class: "demo-users" }, demoUsers.map((user) => h("li", {},
          h("button", {
            type: "button", "data-demo-user": user.label,
            onclick: () => onToken(user.token),
          }, `Sign in as ${user.label}`),
          h("span", { class: "help" }, ` ${user.email}, ${user.organisation}`)))))
      : null,
    h("section", { "aria-labelledby": "token-heading" },
      h("h2", { id: "token-heading" }, demoUsers.length ? "Or paste a token" : "Your token"),
      form),
  ];
}

/** A choice of partnership, shared by the screens that show one. */
function partnershipPicker(context, refresh) {
  const select = h("select", { id: "partnership-select" },
    context.partnerships.map((p) =>
      h("option", { value: p.id, selected: p.id === context.partnershipId }, p.name)));
  select.addEventListener("change", () => {
    context.choosePartnership(select.value);
    refresh();
  });
  return h("p", { class: "picker" }, h("label", { for: "partnership-select" }, "Partnership "), select);
}

function noPartnership() {
  return [h("h1", {}, "Partnership"), h("p", {}, "You are not in any partnership yet.")];
}

/** Members, agreements and targets of the chosen partnership. */
export async function partnership(context, refresh) {
  if (!context.partnershipId) return noPartnership();
  const { partnership: p } = await run("partnership", { id: context.partnershipId });
  const notes = new Notes("partnership");
  return [
    h("h1", {}, p.name),
    partnershipPicker(context, refresh),
    h("p", {}, p.purpose),
    h("dl", { class: "facts" },
      h("dt", {}, "Status"), h("dd", {}, words(p.status)),
      h("dt", {}, "Your role"), h("dd", {}, words(p.myRole)),
      h("dt", {}, "Area"), h("dd", {}, p.area?.name ?? "–"),
      h("dt", {}, "Next review"),
      h("dd", {}, day(p.nextReviewDue), p.reviewOverdue ? h("strong", {}, " (overdue)") : null)),
    h("h2", {}, "Targets"),
    p.targets.length
      ? h("ul", { class: "targets" }, p.targets.map((target) => targetCard(target, notes)))
      : h("p", {}, "No targets yet."),
    h("h2", {}, "Members"),
    table("Members and what each will do",
      ["Organisation", "Role", "Responsibilities", "Joined"],
      p.members.map((m) => [m.organisation?.name ?? "–", words(m.role), m.responsibilities, m.joinedOn])),
    h("h2", {}, "Agreements"),
    p.agreements.length
      ? h("ul", { class: "agreements" }, p.agreements.map((a) => h("li", {},
        h("h3", {}, a.title),
        h("p", {}, `${words(a.kind)}, version ${a.documentVersion}: `, h("strong", {}, words(a.status)),
          `, in force from ${a.effectiveFrom}.`),
        h("p", {}, "Signed by: ", a.signatures.length
          ? a.signatures.map((s) => `${s.organisation?.name ?? "a former member"} (${day(s.signedAt)})`).join("; ")
          : "nobody yet."),
        a.awaitingSignatureFrom.length
          ? h("p", {}, "Awaiting: ", a.awaitingSignatureFrom.map((o) => o.name).join("; "))
          : null)))
      : h("p", {}, "No agreements yet."),
    notes.render(),
  ];
}

function targetCard(target, notes) {
  const progress = target.progress;
  const unit = target.indicator.unit;
  const span = target.targetValue - target.baselineValue;
  const share = progress?.actual === null || progress?.actual === undefined || span === 0
    ? null
    : Math.min(1, Math.max(0, (progress.actual - target.baselineValue) / span));
  return h("li", { class: "target", "data-target-id": target.id },
    h("h3", {}, target.title),
    h("p", {},
      progress
        ? h("span", { class: `status status-${progress.status.toLowerCase()}` }, words(progress.status))
        : h("span", { class: "status" }, words(target.state)),
      ` ${words(target.aggregation)} of ${target.indicator.name}`),
    progress
      ? h("p", { class: "target-progress" },
        "Actual ", notes.figure(progress.actual, { unit, ...progress }),
        ` (expected ${formatNumber(progress.expected, unit)}) from a baseline of `,
        formatNumber(target.baselineValue, unit), ", target ", formatNumber(target.targetValue, unit),
        ` by ${target.targetDate}; young people: `,
        notes.figure(progress.participants, { ...progress, unit: "COUNT" }))
      : h("p", {}, "Progress is measured once the target is agreed."),
    share === null
      ? null
      : h("progress", {
        max: 100, value: Math.round(share * 100),
        "aria-label": `${target.title}: ${Math.round(share * 100)}% of the way from baseline to target`,
      }));
}

const preferred = (indicators, kind, code) =>
  indicators.find((i) => i.code === code) ?? indicators.find((i) => i.kind === kind);

function indicatorPicker(id, label, indicators, chosen, onChange) {
  const select = h("select", { id }, indicators.map((i) =>
    h("option", { value: i.id, selected: i.id === chosen.id }, i.name)));
  select.addEventListener("change", () => onChange(select.value));
  return h("p", { class: "picker" }, h("label", { for: id }, `${label} `), select);
}

/** Distance travelled per intervention (a soft outcome) and a hard outcome over time. */
export async function outcomes(context, refresh) {
  if (!context.partnershipId) return noPartnership();
  const soft = context.indicators.filter((i) => i.kind === "SOFT");
  const hard = context.indicators.filter((i) => i.kind === "HARD" && i.unit !== "BOOLEAN");
  context.soft ??= preferred(soft, "SOFT", "CONFIDENCE")?.id;
  context.hard ??= preferred(hard, "HARD", "ATTENDANCE_PCT")?.id;
  const softChosen = soft.find((i) => i.id === context.soft) ?? soft[0];
  const hardChosen = hard.find((i) => i.id === context.hard) ?? hard[0];
  const partnershipId = context.partnershipId;
  const [distance, trend] = await Promise.all([
    run("distance-travelled", { indicatorId: softChosen.id, partnershipId }),
    run("attendance-over-time", { indicatorId: hardChosen.id, partnershipId }),
  ]);
  const notes = new Notes("outcomes");
  return [
    h("h1", {}, "Outcomes"),
    partnershipPicker(context, refresh),
    h("section", { "aria-labelledby": "distance-heading" },
      h("h2", { id: "distance-heading" }, "Distance travelled"),
      indicatorPicker("soft-indicator", "Soft outcome", soft, softChosen, (id) => {
        context.soft = id;
        refresh();
      }),
      distanceFigure(distance.outcomeSummary, notes)),
    h("section", { "aria-labelledby": "trend-heading" },
      h("h2", { id: "trend-heading" }, "Over time"),
      indicatorPicker("hard-indicator", "Hard outcome", hard, hardChosen, (id) => {
        context.hard = id;
        refresh();
      }),
      trendFigure(trend.outcomeTrend, notes)),
    notes.render(),
  ];
}

function distanceFigure(summary, notes) {
  const { cells, indicator, disclosure } = summary;
  if (!cells.length) return h("p", {}, `No accepted measurements of ${indicator.name} yet.`);
  const figure = (value, cell, unit = indicator.unit) =>
    notes.figure(value, { unit, disclosure, ...cell });
  return chartFigure({
    title: `${indicator.name}: mean change from baseline to latest, per service (as of ${summary.asOf})`,
    description: `Bar chart of the mean change in ${indicator.name} for each of ${cells.length} ` +
      "services; the table below holds the same numbers.",
    draw: barChart({
      values: cells.map((c) => (c.suppressed ? null : c.meanChange)),
      yLabel: `Change in ${indicator.name}`,
    }),
    table: table(`${indicator.name} per service`,
      ["#", "Service (provider)", "Young people", "Baseline", "Latest", "Change", "Improved"],
      cells.map((c, i) => [
        String(i + 1),
        `${c.intervention?.name ?? "–"} (${c.intervention?.provider?.name ?? "–"})`,
        figure(c.participants, c, "COUNT"),
        figure(c.meanBaseline, c),
        figure(c.meanLatest, c),
        figure(c.meanChange, c),
        figure(c.percentImproved, c, "PERCENT"),
      ]), [2, 3, 4, 5, 6]),
  });
}

const PHASES = ["BASELINE", "INTERIM", "EXIT", "FOLLOW_UP"];

function trendFigure(trend, notes) {
  const { cells, indicator, disclosure } = trend;
  if (!cells.length) return h("p", {}, `No accepted measurements of ${indicator.name} yet.`);
  const buckets = [...new Set(cells.map((c) => c.bucketStart))].sort();
  const phases = PHASES.filter((phase) => cells.some((c) => c.phase === phase));
  const value = (bucket, phase) => {
    const cell = cells.find((c) => c.bucketStart === bucket && c.phase === phase);
    return cell && !cell.suppressed ? cell.meanValue : null;
  };
  return chartFigure({
    title: `${indicator.name} by quarter and phase`,
    description: `Line chart of the mean ${indicator.name} per quarter, one line per phase ` +
      `(${phases.map(words).join(", ")}); the table below holds the same numbers.`,
    keys: phases.map(words),
    draw: lineChart({
      x: buckets.map((b) => Date.parse(`${b}T00:00:00Z`) / 1000),
      series: phases.map((phase) => ({ label: words(phase), values: buckets.map((b) => value(b, phase)) })),
      yLabel: indicator.name,
    }),
    table: table(`${indicator.name} by quarter and phase`,
      ["Quarter", "Phase", "Young people", "Mean"],
      cells.map((c) => [
        c.bucket,
        words(c.phase),
        notes.figure(c.participants, { ...c, disclosure, unit: "COUNT" }),
        notes.figure(c.meanValue, { ...c, disclosure, unit: indicator.unit }),
      ]), [2, 3]),
  });
}

const CATEGORIES = ["ALTERNATIVE_EDUCATION", "TRANSITION_SUPPORT", "MENTORING", "FAMILY_SUPPORT",
  "YOUTH_WORK", "PARTICIPATION_ADVOCACY", "OTHER"];
const BINS = [
  { below: 1, label: "none" },
  { below: 10, label: "1–9" },
  { below: 25, label: "10–24" },
  { below: 50, label: "25–49" },
  { below: Infinity, label: "50 or more" },
];
const binOf = (count) => BINS.findIndex((bin) => count < bin.below);

/** The tile-grid map of young people enrolled per council area, and where services lack. */
export async function coverage(context, refresh) {
  const { serviceCoverage: areas } = await run("coverage");
  const notes = new Notes("coverage");
  context.category ??= "ALTERNATIVE_EDUCATION";
  const tiles = h("ol", { class: "tiles", "aria-label": "Council areas, roughly as on a map" },
    areas.filter((a) => TILES[a.areaCode]).map((a) => {
      const place = TILES[a.areaCode];
      const bin = a.suppressed ? "s" : binOf(a.participantsEnrolled);
      const tile = h("li", { class: `tile bin-${bin}` },
        h("abbr", { title: a.area.name, "aria-hidden": "true" }, place.short),
        h("span", { class: "visually-hidden" }, `${a.area.name}: `),
        notes.figure(a.participantsEnrolled, { ...a, unit: "COUNT" }),
        h("span", { class: "visually-hidden" }, ` young people enrolled, ${a.activeInterventions} active services`));
      // Set through the DOM, since the policy refuses inline style attributes.
      tile.style.gridColumn = String(place.col + 1);
      tile.style.gridRow = String(place.row + 1);
      return tile;
    }));
  const elsewhere = areas.filter((a) => !TILES[a.areaCode]);
  const select = h("select", { id: "category-select" }, CATEGORIES.map((c) =>
    h("option", { value: c, selected: c === context.category }, words(c))));
  select.addEventListener("change", () => {
    context.category = select.value;
    refresh();
  });
  const lacking = areas.filter((a) =>
    !a.byCategory.some((c) => c.category === context.category && c.count > 0));
  return [
    h("h1", {}, "Coverage"),
    h("p", {}, "Young people enrolled in any service, by the council area they live in, across " +
      "every partnership."),
    h("div", { class: "map" },
      tiles,
      h("ul", { class: "map-key", "aria-label": "Key: young people enrolled" },
        BINS.map((bin, i) => h("li", {}, h("span", { class: `swatch bin-${i}`, "aria-hidden": "true" }), bin.label)),
        h("li", {}, h("span", { class: "swatch bin-s", "aria-hidden": "true" }), "not shown (few young people)"))),
    elsewhere.length
      ? h("p", {}, "Other areas: ", elsewhere.map((a) => `${a.area.name} (${a.participantsEnrolled ?? "–"})`).join("; "))
      : null,
    h("details", {},
      h("summary", {}, "The map as a table"),
      table("Young people enrolled and active services per council area",
        ["Area", "Active services", "Young people enrolled"],
        areas.map((a) => [a.area.name, String(a.activeInterventions),
          notes.figure(a.participantsEnrolled, { ...a, unit: "COUNT" })]), [1, 2])),
    h("h2", {}, "Where a kind of service is missing"),
    h("p", { class: "picker" }, h("label", { for: "category-select" }, "Kind of service "), select),
    h("p", { id: "lacking-count" },
      `${lacking.length} of ${areas.length} areas have no active ${words(context.category).toLowerCase()} service:`),
    h("ul", { class: "columns" }, lacking.map((a) => h("li", {}, a.area.name))),
    notes.render(),
  ];
}

/** A commissioner's review queue, or everyone else's view of the submissions they can see. */
export async function evidence(context, refresh) {
  if (["COMMISSIONER", "ADMIN"].includes(context.me.role)) return reviewQueue(context, refresh);
  const { submissions } = await run("my-submissions");
  return [
    h("h1", {}, "Evidence"),
    h("p", { id: "submission-count" }, `${submissions.totalCount} submissions you can see.`),
    table("Evaluation submissions and where each stands",
      ["Service", "Partnership", "Period", "Status", "Decided", "Latest comment"],
      submissions.nodes.map((s) => {
        const last = s.comments.at(-1);
        return [s.intervention?.name ?? "–", s.intervention?.partnership?.name ?? "–",
          `${s.periodStart} to ${s.periodEnd}`, words(s.status), day(s.decidedAt),
          last ? `${words(last.decision)} by ${last.author?.displayName ?? "–"}: ${last.body}` : "–"];
      })),
  ];
}

async function reviewQueue(context, refresh) {
  const { submissions } = await run("review-queue");
  const notes = new Notes("queue");
  const announce = context.announcement;
  context.announcement = null;
  return [
    h("h1", {}, "Review queue"),
    h("p", { role: "status", class: announce ? "announce" : "visually-hidden" }, announce ?? ""),
    h("p", { id: "queue-count" }, `${submissions.totalCount} submissions waiting for a decision.`),
    h("ul", { class: "queue" }, submissions.nodes.map((s) => reviewItem(s, notes, context, refresh))),
    notes.render(),
  ];
}

function reviewItem(s, notes, context, refresh) {
  const name = s.intervention?.name ?? "A service";
  const commentId = `comment-${s.id}`;
  const comment = h("textarea", { id: commentId, rows: 3, name: "comment" });
  const problem = h("p", { class: "error", role: "alert" });
  const decide = (decision) => async () => {
    if (decision === "REQUEST_CHANGES" && !comment.value.trim()) {
      problem.textContent = "Say what should change before requesting changes.";
      comment.focus();
      return;
    }
    try {
      await run("review-submission", {
        submissionId: s.id, decision, comment: comment.value.trim() || null,
      });
      context.announcement = decision === "ACCEPT"
        ? `Accepted the evidence of ${name}.`
        : `Asked ${s.intervention?.provider?.name ?? "the provider"} for changes to ${name}.`;
      refresh();
    } catch (error) {
      problem.textContent = error.message;
    }
  };
  return h("li", { class: "submission", "data-submission-id": s.id },
    h("h2", {}, `${name} (${s.intervention?.provider?.name ?? "–"})`),
    h("p", {}, `${s.intervention?.partnership?.name ?? "–"}; ${s.periodStart} to ${s.periodEnd}; submitted ${day(s.submittedAt)}.`),
    h("p", { class: "narrative" }, s.narrative),
    s.summary.length
      ? table(`What the evidence of ${name} shows`,
        ["Indicator", "Young people", "Baseline", "Latest", "Change", "Improved"],
        s.summary.map((c) => {
          const measured = { ...c, unit: c.indicator?.unit };
          return [c.indicator?.name ?? "–",
            notes.figure(c.participants, { ...c, unit: "COUNT" }),
            notes.figure(c.meanBaseline, measured), notes.figure(c.meanLatest, measured),
            notes.figure(c.meanChange, measured),
            notes.figure(c.percentImproved, { ...c, unit: "PERCENT" })];
        }),
        [1, 2, 3, 4, 5])
      : null,
    h("div", { class: "decision" },
      h("label", { for: commentId }, "Comment (needed to request changes)"),
      comment,
      problem,
      h("button", { type: "button", class: "accept", onclick: decide("ACCEPT") }, "Accept"),
      h("button", { type: "button", class: "request-changes", onclick: decide("REQUEST_CHANGES") },
        "Request changes")));
}

/** The young people whose records the user may read. */
export async function youngPeople() {
  const { participants } = await run("young-people");
  return [
    h("h1", {}, "Young people"),
    h("p", { id: "young-people-count" },
      `${participants.totalCount} young people whose records you may read. Anyone outside the ` +
      "providing organisation who opens this page is recorded in each one's access log."),
    participants.nodes.length
      ? table("Young people and their services",
        ["Reference", "Born", "Care-experienced", "Area", "Provider", "Services"],
        participants.nodes.map((p) => [p.reference, String(p.birthYear), p.lookedAfter ? "Yes" : "No",
          p.area?.name ?? "–", p.provider?.name ?? "–",
          p.enrolments.nodes.map((e) => e.intervention?.name ?? "–").join("; ") || "–"]))
      : null,
  ];
}

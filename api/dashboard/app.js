// The dashboard's shell: signing in and out, and which screen the address (#partnership,
// #outcomes, …) shows. Links and the browser's back button move between screens.
import { ApiError, run, session } from "./graphql.js";
import { h } from "./dom.js";
import * as screens from "./screens.js";

const SCREENS = {
  partnership: { title: "Partnership", render: screens.partnership },
  outcomes: { title: "Outcomes", render: screens.outcomes },
  coverage: { title: "Coverage", render: screens.coverage },
  evidence: { title: "Evidence", render: screens.evidence },
  "young-people": { title: "Young people", render: screens.youngPeople },
};
const PARTNERSHIP_KEY = "outcomes-dashboard-partnership";

const main = document.getElementById("main");
const nav = document.getElementById("nav");
const who = document.getElementById("who");
const signOutButton = document.getElementById("sign-out");
let context = null;

const screenName = () => {
  const name = location.hash.slice(1);
  return name in SCREENS ? name : "partnership";
};

async function show() {
  const name = screenName();
  const screen = SCREENS[name];
  document.title = `${screen.title}: outcomes dashboard`;
  for (const link of nav.querySelectorAll("a")) {
    if (link.hash === `#${name}`) link.setAttribute("aria-current", "page");
    else link.removeAttribute("aria-current");
  }
  main.setAttribute("aria-busy", "true");
  try {
    main.replaceChildren(...(await screen.render(context, show)).filter(Boolean));
  } catch (error) {
    if (error instanceof ApiError && error.code === "UNAUTHENTICATED") {
      signOut(`Please sign in again: ${error.message}`);
      return;
    }
    main.replaceChildren(h("h1", {}, screen.title),
      h("p", { class: "error", role: "alert" }, `This screen could not be loaded: ${error.message}`));
  } finally {
    main.removeAttribute("aria-busy");
  }
}

async function enter(token) {
  session.token = token;
  try {
    const data = await run("session");
    const partnerships = data.partnerships.nodes;
    const remembered = sessionStorage.getItem(PARTNERSHIP_KEY);
    context = {
      me: data.me,
      indicators: data.indicators,
      partnerships,
      partnershipId: partnerships.some((p) => p.id === remembered) ? remembered : partnerships[0]?.id,
      choosePartnership(id) {
        this.partnershipId = id;
        sessionStorage.setItem(PARTNERSHIP_KEY, id);
      },
    };
  } catch (error) {
    signOut(`That token was not accepted: ${error.message}`);
    return;
  }
  who.textContent = `${context.me.displayName}, ${context.me.role.toLowerCase()} at ` +
    `${context.me.organisation?.name ?? "no organisation"}`;
  nav.hidden = false;
  signOutButton.hidden = false;
  await show();
  main.focus({ preventScroll: true });
  // How long the first screen took from the page's start (README, Dashboard).
  if (!performance.getEntriesByName("dashboard-rendered").length) performance.mark("dashboard-rendered");
}

async function signOut(message) {
  session.token = null;
  sessionStorage.removeItem(PARTNERSHIP_KEY);
  context = null;
  nav.hidden = true;
  signOutButton.hidden = true;
  who.textContent = "";
  document.title = "Sign in: outcomes dashboard";
  // Offered only under `serve --demo`; anywhere else the list is empty.
  const demoUsers = await fetch("/dashboard/demo-users")
    .then((response) => (response.ok ? response.json() : []))
    .catch(() => []);
  main.replaceChildren(...screens.signIn({ message, demoUsers, onToken: enter }).filter(Boolean));
}

signOutButton.addEventListener("click", () => signOut());
window.addEventListener("hashchange", async () => {
  // Footnote links change the address too; only a screen's name moves to another screen.
  if (context && location.hash.slice(1) in SCREENS) {
    await show();
    main.focus({ preventScroll: true });
  }
});

if (session.token) enter(session.token);
else signOut();

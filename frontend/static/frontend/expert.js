// For experts: their reference tasks (MyTaskOut rows of GET /api/me/tasks/) and the tasks consensus suggests as
// new references (GET /api/expert/suggested-tasks/: SuggestedTaskOut rows), each with why it is suggested.
import { api } from "./api.js";

const pct = (v) => `${Math.round(v * 100)}%`;

export async function renderExpertPanel(root, { onOpen, currentId }) {
  const refs = root.querySelector("#expert-references");
  const sugg = root.querySelector("#expert-suggested");
  root.hidden = false;
  try {
    const mine = await api.myTasks({ page_size: 200 });
    refs.replaceChildren(...mine.results.map((t) => {
      const li = document.createElement("li");
      const b = document.createElement("button");
      b.type = "button";
      b.textContent = `Task ${t.id} · chip ${t.chip} (${t.row}, ${t.col}) · ${t.status}`;
      if (t.id === currentId) b.setAttribute("aria-current", "true");
      b.addEventListener("click", () => onOpen(t.id));
      li.append(b);
      return li;
    }));
    if (!mine.results.length) refs.replaceChildren(Object.assign(document.createElement("li"), { textContent: "No reference tasks given to you yet." }));
  } catch (err) {
    refs.replaceChildren(Object.assign(document.createElement("li"), { textContent: `unavailable (${err.message})` }));
  }
  try {
    const page = await api.suggested();
    sugg.replaceChildren(...page.results.map((s) => {
      const li = document.createElement("li");
      li.textContent = `Task ${s.task} · chip ${s.chip} (${s.row}, ${s.col}): mean consensus score ${pct(s.mean_score)}, `
        + `annotators disagree on ${pct(s.disagreement)} of its pixels — an expert label would help most here.`;
      return li;
    }));
    if (!page.results.length) sugg.replaceChildren(Object.assign(document.createElement("li"), { textContent: "No suggestions yet: no task has a consensus." }));
  } catch (err) {
    sugg.replaceChildren(Object.assign(document.createElement("li"), { textContent: `unavailable (${err.message})` }));
  }
}

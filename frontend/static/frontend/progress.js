// "Task k of n in this chip" (the open task's place in the chip's list) and how many chips still have work; the
// chip's list also feeds the work queue and the overview.
import { api, request } from "./api.js";
import { config } from "./config.js";
import { $, afterPaint, minimap, queue, state } from "./page.js";

// "Task k of n in this chip" is the open task's place in the chip's list; the list is the queue and the overview.
export async function loadQueue(task) {
  const t0 = performance.now();
  try {
    const page = await api.myTasks({ chip: task.chip, page_size: config.tasksPerSide ** 2 }); // MyTaskOut page
    if (state.task !== task) return;
    queue.set(page.results, task.id);
    minimap.setTasks(page.results);
    await afterPaint();
    performance.measure("lcnet:task-list", { start: t0, end: performance.now() });
    const k = queue.position() + 1;
    if (state.progressChip !== task.chip) { state.progressChip = task.chip; state.chipsLeft = await chipsLeft(); }
    const left = state.chipsLeft;
    $("#progress").textContent = `Task ${k} of ${page.results.length} in this chip · ${left} chip${left === 1 ? "" : "s"} with work left`;
  } catch (err) {
    $("#progress").textContent = `progress unavailable (${err.message})`;
  }
}

export async function chipsLeft() {
  const open = new Set();
  let url = "/api/me/tasks/?page_size=1000";
  while (url) {
    const page = await request("GET", url);
    page.results.forEach((x) => { if (x.status !== "submitted" && !x.frozen) open.add(x.chip); });
    url = page.next;
  }
  return open.size;
}

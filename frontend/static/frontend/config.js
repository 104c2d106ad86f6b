// The page's configuration, rendered by annotation/pages.py as JSON: classes, layers, the task and chip sizes,
// flag reasons, the user. Every module reads sizes and names from here, never from constants of its own.
const el = document.getElementById("lcnet-config");

export const config = el ? JSON.parse(el.textContent) : null;
export const N = config?.taskSize; // a task is N×N ground pixels
export const palette = Object.fromEntries((config?.classes || []).map((c) => [c.code, c.color]));
export const className = Object.fromEntries((config?.classes || []).map((c) => [c.code, c.name]));

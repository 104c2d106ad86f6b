// The page's shared state and its components (stage, notices, timeline, profile, queue, overview, clock, flag
// dialog), created once; the modules that open tasks, draw, edit and save all work on these.
import { ActivityClock } from "./activity.js";
import { Banner } from "./banner.js";
import { config, N, palette } from "./config.js";
import { FlagDialog } from "./flag.js";
import { History } from "./labels.js";
import { Minimap } from "./minimap.js";
import { openTask, renderFlag } from "./open.js";
import { Profile } from "./profile.js";
import { TaskQueue } from "./queue.js";
import { Stage } from "./stage.js";
import { Timeline } from "./timeline.js";
import { showScene } from "./view.js";

export const $ = (sel) => document.querySelector(sel);
export const CONTEXTS = config.contexts; // pixels around the task the layer API is asked for; the last is the whole chip
export const PRESETS = config.contexts; // the zoom buttons frame the task with these margins

export const stage = new Stage($("#stage"), { n: N, chip: config.chipSize, palette });
export const banner = new Banner($("#banners"));
export const timeline = new Timeline($("#timeline"), (pos, e) => showScene(pos, { start: e.timeStamp }));
export const profile = new Profile($("#profile"), $("#profile-readout"));
export const queue = new TaskQueue($("#task-list"), { perSide: config.tasksPerSide, expert: config.user.expert, onOpen: (id) => openTask(id) });
export const minimap = new Minimap($("#minimap"), { n: N, chip: config.chipSize, onPick: (id) => openTask(id) });
export const clock = new ActivityClock();
export const flagDialog = new FlagDialog($("#flag-dialog"), config.flagReasons, (work) => {
  state.work = work; renderFlag(); queue.update(state.task.id, { flag: work.flag });
});


export const state = {
  task: null, session: null, cache: null, scenes: [], pos: 0, guess: null, history: new History(), work: null,
  layer: config.layers[0].id, cloudStyle: "none", preset: 0, tool: "brush", brush: 1, cls: 1, opacity: 0.55,
  showLabels: true, outline: false, pixelGrid: false, diff: false, busy: false, drawToken: 0, profileAt: null,
  editConfirmed: false, origin: { row: 0, col: 0 },
};

export const afterPaint = () => new Promise((res) => requestAnimationFrame(() => setTimeout(res, 0)));

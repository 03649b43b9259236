// The Node side of the differential test: `node differential.js RUNTIME.js`.
//
// RUNTIME.js is the runtime script taken from an exported page. Reads one JSON
// request per line and answers one JSON line each:
//   {"kind": "play", "story": DATA, "actions": [0, null, "undo", ...]}
//       -> the state after the start and after each action (refused or not)
//   {"kind": "schema", "schema": SCHEMA, "text": JSON}   -> {"errors": [...]}
//   {"kind": "load", "story": DATA, "text": JSON}         -> {"save": JSON} or {"error": message}
"use strict";

const path = require("path");
const readline = require("readline");
const R = require(path.resolve(process.argv[2]));

function snapshot(story, state, refused) {
  const v = R.view(story, state);
  const save = R.stringify(R.toSave(story, state));
  let roundTrip;
  try {
    roundTrip = R.stringify(R.toSave(story, R.fromSave(story, R.parseJSON(save, 64)))) === save;
  } catch (e) {
    roundTrip = String(e);
  }
  return {
    refused, scene: v.scene, title: v.title, paragraphs: v.paragraphs, prompt: v.prompt, options: v.options,
    optional: v.optional, can_go_on: v.canGoOn, is_ending: v.isEnding, stranded: v.stranded, position: v.position, total: v.total,
    recap: R.recap(story, state), save, round_trip: roundTrip,
  };
}

function play(req) {
  const story = R.load(req.story);
  let state = R.start(story);
  const trace = [snapshot(story, state, false)];
  for (const action of req.actions) {
    let refused = false;
    try {
      state = action === "undo" ? R.undo(story, state) : R.step(story, state, action);
    } catch (e) {
      if (!(e instanceof R.Misuse)) throw e;
      refused = true;
    }
    trace.push(snapshot(story, state, refused));
  }
  return { trace };
}

function load(req) {
  const story = R.load(req.story);
  try {
    return { save: R.stringify(R.toSave(story, R.fromSave(story, R.parseJSON(req.text, 64)))) };
  } catch (e) {
    if (e instanceof R.Mismatch || e instanceof R.Misuse || e instanceof SyntaxError) return { error: e.message };
    throw e;
  }
}

const handlers = {
  play,
  load,
  schema: (req) => ({ errors: R.schemaErrors(req.schema, R.parseJSON(req.text, 64)) }),
};

readline.createInterface({ input: process.stdin }).on("line", (line) => {
  let answer;
  try {
    const req = JSON.parse(line);
    answer = handlers[req.kind](req);
  } catch (e) {
    answer = { crash: String(e && e.stack ? e.stack : e) };
  }
  process.stdout.write(JSON.stringify(answer) + "\n");
});

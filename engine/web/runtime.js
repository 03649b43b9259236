/* vignettes runtime: plays an exported story with engine/runtime.py's semantics.
 *
 * It touches no page, so the same text runs inline in an exported page and
 * in Node (the differential test runs it there against the Python runtime).
 * Conditions arrive as parsed trees (docs/export.md) and are interpreted
 * here: nothing from the story is ever evaluated as code. Integers are
 * BigInt, so arithmetic is exact as in Python.
 */
(function (root) {
  "use strict";

  var SAVE_FORMAT = 1;
  var DATA_FORMAT = 1;

  /* A transition the story does not allow from this state (runtime.RuntimeMisuse). */
  class Misuse extends Error {}
  /* A save that belongs to another story or contradicts it (runtime.SaveMismatch, ReplayError). */
  class Mismatch extends Error {}

  // -- the story ---------------------------------------------------------------

  function value(v) {
    return typeof v === "string" ? BigInt(v) : v;
  }

  function tree(node) {
    if (node === null || node === undefined) return null;
    if (node[0] === "int") return ["int", BigInt(node[1])];
    if (node[0] === "not" || node[0] === "neg") return [node[0], tree(node[1])];
    if (node.length === 3) return [node[0], tree(node[1]), tree(node[2])];
    return node;
  }

  /* The exported data made ready to play: BigInts, condition trees, an index by id. */
  function load(data) {
    if (!data || data.format !== DATA_FORMAT) {
      throw new Misuse("this page's story data is format " + (data && data.format) + ", not " + DATA_FORMAT);
    }
    var byId = new Map();
    var scenes = data.scenes.map(function (s, i) {
      var choice = s.choice ? {
        prompt: s.choice.prompt,
        optional: s.choice.optional,
        options: s.choice.options.map(function (o) {
          return {
            text: o.text,
            condition: tree(o.if),
            effects: (o.effects || []).map(function (e) { return [e[0], e[1], value(e[2])]; }),
            goto: o.goto || null
          };
        })
      } : null;
      var scene = {
        id: s.id, title: s.title, next: s.next || null, choice: choice, ending: !s.next && !choice,
        paragraphs: s.text.map(function (p) { return { text: p.text, condition: tree(p.if) }; })
      };
      if (!byId.has(s.id)) byId.set(s.id, scene);
      return scene;
    });
    // A scene's place counts only the scenes that are not endings; an ending has none.
    var numbered = scenes.filter(function (s) { return !s.ending; }).map(function (s) { return s.id; });
    scenes.forEach(function (s) { s.position = s.ending ? null : numbered.indexOf(s.id) + 1; });
    return {
      id: data.id, fingerprint: data.fingerprint, start: data.start, scenes: scenes, byId: byId, total: numbered.length,
      variables: data.variables.map(function (v) { return [v[0], value(v[1])]; })
    };
  }

  function sceneOf(story, id) {
    var scene = story.byId.get(id);
    if (!scene) throw new Misuse("scene '" + id + "' is not in story '" + story.id + "'");
    return scene;
  }

  // -- conditions --------------------------------------------------------------

  function evaluate(node, env, seen) {
    switch (node[0]) {
      case "int": case "bool": return node[1];
      case "var": return env.get(node[1]);
      case "seen": return seen.indexOf(node[1]) >= 0;
      case "not": return !evaluate(node[1], env, seen);
      case "neg": return -evaluate(node[1], env, seen);
      case "and": return Boolean(evaluate(node[1], env, seen)) && Boolean(evaluate(node[2], env, seen));
      case "or": return Boolean(evaluate(node[1], env, seen)) || Boolean(evaluate(node[2], env, seen));
    }
    var a = evaluate(node[1], env, seen), b = evaluate(node[2], env, seen);
    switch (node[0]) {
      case "+": return a + b;
      case "-": return a - b;
      case "==": return a === b;
      case "!=": return a !== b;
      case "<": return a < b;
      case "<=": return a <= b;
      case ">": return a > b;
      case ">=": return a >= b;
    }
    throw new Misuse("unknown condition node '" + node[0] + "'");
  }

  function holds(condition, state) {
    return condition === null || Boolean(evaluate(condition, new Map(state.variables), state.seen));
  }

  // -- states and transitions --------------------------------------------------

  function sorted(variables) {
    return variables.slice().sort(function (a, b) { return a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0; });
  }

  function makeState(scene, variables, answers, seen) {
    return Object.freeze({ scene: scene, variables: Object.freeze(variables), answers: Object.freeze(answers),
                           seen: Object.freeze(seen) });
  }

  function start(story) {
    var first = sceneOf(story, story.start);
    return makeState(first.id, sorted(story.variables), [], [first.id]);
  }

  /* What a front end shows now; options pair each open option's index with its text. */
  function view(story, state) {
    var scene = sceneOf(story, state.scene);
    var choice = scene.choice;
    var options = [];
    if (choice) {
      choice.options.forEach(function (o, i) { if (holds(o.condition, state)) options.push([i, o.text]); });
    }
    // A choice whose every option is closed must not trap the reader: it goes on if it can.
    var canGoOn = scene.next !== null && (choice === null || choice.optional || options.length === 0);
    var stuck = options.length === 0 && !canGoOn;
    return {
      scene: scene.id,
      title: scene.title,
      paragraphs: scene.paragraphs.filter(function (p) { return holds(p.condition, state); })
        .map(function (p) { return p.text; }),
      prompt: choice ? choice.prompt : "",
      options: options,
      optional: Boolean(choice && choice.optional),
      canGoOn: canGoOn,
      isEnding: stuck && scene.ending,
      position: scene.position,
      total: story.total,
      // Not an ending, yet no option is open and there is no `next`: a bug in the story.
      stranded: stuck && !scene.ending
    };
  }

  function arrive(story, state, target, variables, answer) {
    var scene = sceneOf(story, target);
    return makeState(scene.id, sorted(variables), state.answers.concat([answer]), state.seen.concat([scene.id]));
  }

  function asIndex(index) {
    if (typeof index === "bigint") return index >= 0n && index < 1000000n ? Number(index) : -1;
    return typeof index === "number" && Number.isInteger(index) ? index : -1;
  }

  function toInt(v) {
    return typeof v === "boolean" ? (v ? 1n : 0n) : v;
  }

  /* Take option `index` (its place in the scene's full option list). */
  function choose(story, state, index) {
    var scene = sceneOf(story, state.scene);
    var now = view(story, state);
    var open = now.options.map(function (o) { return o[0]; });
    if (now.isEnding) throw new Misuse("scene '" + scene.id + "' is an ending: there is nothing to choose");
    var i = asIndex(index);
    if (open.indexOf(i) < 0) {
      throw new Misuse("option " + String(index) + " is not open in scene '" + scene.id + "' (open: " +
                       (open.join(", ") || "none") + ")");
    }
    var option = scene.choice.options[i];
    var values = new Map(state.variables);
    option.effects.forEach(function (e) {
      if (!values.has(e[1])) {
        throw new Misuse("option " + i + " of scene '" + scene.id + "' changes undeclared variable '" + e[1] + "'");
      }
      values.set(e[1], e[0] === "add" ? toInt(values.get(e[1])) + toInt(e[2]) : e[2]);
    });
    var target = option.goto || scene.next;
    if (target === null) throw new Misuse("option " + i + " of scene '" + scene.id + "' leads nowhere");
    return arrive(story, state, target, Array.from(values), i);
  }

  /* Leave the scene without choosing: a skipped reflection or a scene with no choice. */
  function goOn(story, state) {
    var scene = sceneOf(story, state.scene);
    if (!view(story, state).canGoOn) {
      var what = scene.ending ? "an ending" : "a choice that must be made";
      throw new Misuse("scene '" + scene.id + "' has " + what + ": there is no way on without choosing");
    }
    return arrive(story, state, scene.next, state.variables.slice(), null);
  }

  function step(story, state, answer) {
    return answer === null ? goOn(story, state) : choose(story, state, answer);
  }

  /* Play `answers` from the start; a step that does not fit throws Mismatch. */
  function replay(story, answers) {
    var state = start(story);
    for (var n = 0; n < answers.length; n++) {
      try {
        state = step(story, state, answers[n]);
      } catch (e) {
        if (!(e instanceof Misuse)) throw e;
        var what = answers[n] === null ? "going on" : "option " + (asIndex(answers[n]) + 1);
        var m = new Mismatch("step " + (n + 1) + " (" + what + " in scene '" + state.scene + "') no longer fits: " + e.message);
        m.step = n + 1;
        throw m;
      }
    }
    return state;
  }

  function undo(story, state) {
    if (state.answers.length === 0) throw new Misuse("nothing to undo: this is the start of the story");
    return replay(story, state.answers.slice(0, -1));
  }

  /* Per step taken: the scene's title and the chosen option's text (null: went on). */
  function recap(story, state) {
    return state.answers.map(function (answer, n) {
      var scene = sceneOf(story, state.seen[n]);
      var text = answer !== null && scene.choice ? scene.choice.options[answer].text : null;
      return [scene.title, text];
    });
  }

  // -- saves as data -----------------------------------------------------------

  /* A save, shaped by schemas/save.schema.json: the terminal's own format. */
  function toSave(story, state) {
    var variables = Object.create(null);
    state.variables.forEach(function (v) { variables[v[0]] = v[1]; });
    return { format: SAVE_FORMAT, story: story.id, fingerprint: story.fingerprint, scene: state.scene,
             variables: variables, answers: state.answers.slice(), seen: state.seen.slice() };
  }

  function isCurrent(story, data) {
    return data.fingerprint === story.fingerprint;
  }

  function isInt(v) {
    return typeof v === "bigint";
  }

  /* Python's ==: True == 1 and 1 == 1.0 hold, so a save compares as the terminal compares it. */
  function pyEqual(a, b) {
    var num = function (v) { return typeof v === "boolean" ? (v ? 1 : 0) : v; };
    a = num(a); b = num(b);
    if (typeof a === "bigint" && typeof b === "number") return Number.isInteger(b) && a === BigInt(b);
    if (typeof a === "number" && typeof b === "bigint") return pyEqual(b, a);
    return a === b;
  }

  function sameVariables(variables, saved) {
    if (saved === null || typeof saved !== "object" || Array.isArray(saved)) return false;
    var keys = Object.keys(saved);
    return keys.length === variables.length && variables.every(function (v) {
      return Object.prototype.hasOwnProperty.call(saved, v[0]) && pyEqual(v[1], saved[v[0]]);
    });
  }

  /* Rebuild a State by replaying the save's answers, never trusting its scene. */
  function fromSave(story, data) {
    if (data === null || typeof data !== "object") throw new Mismatch("the save is not a JSON object");
    if (!pyEqual(data.format, SAVE_FORMAT)) {
      throw new Mismatch("save format " + String(data.format) + " is not supported (expected " + SAVE_FORMAT + ")");
    }
    if (data.story !== story.id) {
      throw new Mismatch("this save belongs to story '" + String(data.story) + "', not '" + story.id + "'");
    }
    var answers = data.answers;
    if (!Array.isArray(answers) || !answers.every(function (a) { return a === null || isInt(a); })) {
      throw new Mismatch("the save's answers are not a list of option numbers");
    }
    var state = replay(story, answers);
    if (isCurrent(story, data) && (state.scene !== data.scene || !sameVariables(state.variables, data.variables))) {
      throw new Mismatch("the save's scene or variables do not match its answers");
    }
    return state;
  }

  // -- JSON with exact integers --------------------------------------------------

  /* JSON text -> values, integers as BigInt (JSON.parse would round them). */
  function parseJSON(text, maxDepth) {
    var i = 0;
    var NUMBER = /-?(?:0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?/y;
    var STRING = /"(?:[^"\\\u0000-\u001f]|\\(?:["\\\/bfnrt]|u[0-9a-fA-F]{4}))*"/y;
    function fail(what) {
      throw new SyntaxError(what + " at character " + (i + 1));
    }
    function space() {
      while (i < text.length && " \t\n\r".indexOf(text[i]) >= 0) i++;
    }
    function match(re) {
      re.lastIndex = i;
      var m = re.exec(text);
      if (!m) return null;
      i = re.lastIndex;
      return m;
    }
    function string() {
      var m = match(STRING);
      if (!m) fail("a malformed string");
      return JSON.parse(m[0]);
    }
    function item(depth) {
      if (depth > maxDepth) fail("nesting deeper than " + maxDepth);
      space();
      var c = text[i];
      if (c === "{") {
        i++;
        var obj = Object.create(null);
        space();
        if (text[i] === "}") { i++; return obj; }
        for (;;) {
          space();
          if (text[i] !== '"') fail("expected a key");
          var key = string();
          space();
          if (text[i] !== ":") fail("expected ':'");
          i++;
          obj[key] = item(depth + 1);
          space();
          if (text[i] === ",") { i++; continue; }
          if (text[i] === "}") { i++; return obj; }
          fail("expected ',' or '}'");
        }
      }
      if (c === "[") {
        i++;
        var arr = [];
        space();
        if (text[i] === "]") { i++; return arr; }
        for (;;) {
          arr.push(item(depth + 1));
          space();
          if (text[i] === ",") { i++; continue; }
          if (text[i] === "]") { i++; return arr; }
          fail("expected ',' or ']'");
        }
      }
      if (c === '"') return string();
      var words = [["true", true], ["false", false], ["null", null]];
      for (var w = 0; w < words.length; w++) {
        if (text.startsWith(words[w][0], i)) { i += words[w][0].length; return words[w][1]; }
      }
      var m = match(NUMBER);
      if (!m) fail("unexpected " + (i < text.length ? "'" + text[i] + "'" : "end of text"));
      return m[1] === undefined && m[2] === undefined ? BigInt(m[0]) : Number(m[0]);
    }
    var result = item(0);
    space();
    if (i < text.length) fail("text after the JSON value");
    return result;
  }

  /* Values -> JSON text, BigInt as plain digits; `indent` as Python's json.dumps(indent=). */
  function stringify(v, indent) {
    function out(v, pad) {
      var inner = indent ? pad + " ".repeat(indent) : "";
      var sep = indent ? ",\n" + inner : ",";
      var open = indent ? "\n" + inner : "", close = indent ? "\n" + pad : "";
      if (typeof v === "bigint") return v.toString();
      if (v === null || typeof v === "boolean" || typeof v === "number" || typeof v === "string") {
        return JSON.stringify(v).replace(/[\u007f-\uffff]/g, function (c) {
          return "\\u" + c.charCodeAt(0).toString(16).padStart(4, "0");
        });
      }
      if (Array.isArray(v)) {
        return v.length ? "[" + open + v.map(function (x) { return out(x, inner); }).join(sep) + close + "]" : "[]";
      }
      var keys = Object.keys(v);
      return keys.length ? "{" + open + keys.map(function (k) {
        return out(k, inner) + ": " + out(v[k], inner);
      }).join(sep) + close + "}" : "{}";
    }
    return out(v, "");
  }

  // -- the save schema -------------------------------------------------------------

  var ANNOTATIONS = ["$schema", "$id", "$comment", "title", "description", "markdownDescription", "examples", "default"];

  function typeOf(v) {
    if (v === null) return "null";
    if (Array.isArray(v)) return "array";
    if (typeof v === "bigint") return "integer";
    if (typeof v === "number") return Number.isInteger(v) ? "integer" : "number";
    return typeof v;
  }

  /* The reasons `value` breaks `schema`: the keywords schemas/save.schema.json uses, and only those. */
  function schemaErrors(schema, value, path) {
    path = path || "save";
    var errors = [];
    var t = typeOf(value);
    Object.keys(schema).forEach(function (k) {
      var s = schema[k];
      switch (k) {
        case "type":
          var types = Array.isArray(s) ? s : [s];
          if (!types.some(function (x) { return x === t || (x === "number" && t === "integer"); })) {
            errors.push(path + ": is " + t + ", not " + types.join(" or "));
          }
          break;
        case "const":
          if ((typeof value === "boolean") !== (typeof s === "boolean") || !pyEqual(value, s)) {
            errors.push(path + ": must be " + JSON.stringify(s));
          }
          break;
        case "required":
          if (t === "object") {
            s.forEach(function (name) {
              if (!Object.prototype.hasOwnProperty.call(value, name)) errors.push(path + ": '" + name + "' is missing");
            });
          }
          break;
        case "properties":
          if (t === "object") {
            Object.keys(s).forEach(function (name) {
              if (Object.prototype.hasOwnProperty.call(value, name)) {
                errors.push.apply(errors, schemaErrors(s[name], value[name], path + "/" + name));
              }
            });
          }
          break;
        case "additionalProperties":
          if (t === "object") {
            var known = schema.properties || {};
            Object.keys(value).forEach(function (name) {
              if (Object.prototype.hasOwnProperty.call(known, name)) return;
              if (s === false) errors.push(path + ": unexpected '" + name + "'");
              else errors.push.apply(errors, schemaErrors(s, value[name], path + "/" + name));
            });
          }
          break;
        case "propertyNames":
          if (t === "object") {
            Object.keys(value).forEach(function (name) {
              errors.push.apply(errors, schemaErrors(s, name, path + "/" + name));
            });
          }
          break;
        case "items":
          if (t === "array") {
            value.forEach(function (x, n) { errors.push.apply(errors, schemaErrors(s, x, path + "/" + n)); });
          }
          break;
        case "pattern":
          if (t === "string" && !new RegExp(s, "u").test(value)) errors.push(path + ": does not match " + s);
          break;
        case "maxLength":
          if (t === "string" && Array.from(value).length > s) errors.push(path + ": longer than " + s);
          break;
        case "minLength":
          if (t === "string" && Array.from(value).length < s) errors.push(path + ": shorter than " + s);
          break;
        case "maxItems":
          if (t === "array" && value.length > s) errors.push(path + ": more than " + s + " items");
          break;
        case "minItems":
          if (t === "array" && value.length < s) errors.push(path + ": fewer than " + s + " items");
          break;
        case "maxProperties":
          if (t === "object" && Object.keys(value).length > s) errors.push(path + ": more than " + s + " keys");
          break;
        case "enum":
          if (!s.some(function (x) { return (typeof value === "boolean") === (typeof x === "boolean") && pyEqual(value, x); })) {
            errors.push(path + ": not one of " + JSON.stringify(s));
          }
          break;
        case "minimum":
          if ((t === "integer" || t === "number") && (typeof value === "bigint" ? value < BigInt(s) : value < s)) {
            errors.push(path + ": less than " + s);
          }
          break;
        default:
          if (ANNOTATIONS.indexOf(k) < 0) throw new Error("the save schema uses '" + k + "', which this page cannot check");
      }
    });
    return errors;
  }

  var api = {
    SAVE_FORMAT: SAVE_FORMAT, DATA_FORMAT: DATA_FORMAT, Misuse: Misuse, Mismatch: Mismatch,
    load: load, start: start, view: view, choose: choose, goOn: goOn, step: step, replay: replay, undo: undo,
    recap: recap, toSave: toSave, isCurrent: isCurrent, fromSave: fromSave,
    parseJSON: parseJSON, stringify: stringify, schemaErrors: schemaErrors
  };
  if (typeof module === "object" && module.exports) module.exports = api;
  else root.VignettesRuntime = Object.freeze(api);
})(typeof globalThis === "object" ? globalThis : this);

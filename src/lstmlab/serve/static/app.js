// lstmlab serve: the page. Plain JavaScript, no libraries, no network but this server's /api.
"use strict";

const $ = (id) => document.getElementById(id);
const state = { runs: [], inside: null, text: "" };

// --- talking to the API --------------------------------------------------------------------

async function api(path, body) {
  const options = body === undefined ? {} : {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify(body),
  };
  const response = await fetch(path, options);
  let data;
  try {
    data = await response.json();
  } catch (_) {
    throw new Error(`the server answered ${response.status} without JSON`);
  }
  if (!response.ok) throw new Error(data.error || `the server answered ${response.status}`);
  return data;
}

function showError(message) {
  const box = $("error");
  box.textContent = message || "";
  box.hidden = !message;
}

function el(tag, attributes = {}, text) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attributes)) node.setAttribute(key, value);
  if (text !== undefined) node.textContent = text;
  return node;
}

function currentRun() {
  return state.runs.find((run) => run.name === $("run").value);
}

// --- colours ---------------------------------------------------------------------------------

function maxAbs(numbers) {
  let peak = 1e-6;
  for (const value of numbers) peak = Math.max(peak, Math.abs(value));
  return peak;
}

function mix(from, to, share) {
  const s = Math.max(0, Math.min(1, share));
  const channel = (i) => Math.round(from[i] + (to[i] - from[i]) * s);
  return `rgb(${channel(0)}, ${channel(1)}, ${channel(2)})`;
}

const WHITE = [255, 255, 255], RED = [178, 24, 43], BLUE = [33, 102, 172];
const VIRIDIS = [[68, 1, 84], [59, 82, 139], [33, 145, 140], [94, 201, 98], [253, 231, 37]];

function signedColour(value, scale) {
  return value >= 0 ? mix(WHITE, RED, value / scale) : mix(WHITE, BLUE, -value / scale);
}

function gateColour(value) {
  const position = Math.max(0, Math.min(1, value)) * (VIRIDIS.length - 1);
  const low = Math.min(Math.floor(position), VIRIDIS.length - 2);
  return mix(VIRIDIS[low], VIRIDIS[low + 1], position - low);
}

// One colour convention on the whole page: red is a positive value, blue a negative one (the
// heatmap's too). Evidence is a difference of probabilities, in [-1, 1], drawn on one absolute
// scale whatever the text: a faint effect looks faint; full colour from |evidence| 0.5 on.
const EVIDENCE_FULL = 0.5;
const EVIDENCE_STEPS = [-0.5, -0.25, -0.1, 0, 0.1, 0.25, 0.5];

function evidenceColour(value) {
  return signedColour(value, EVIDENCE_FULL);
}

// --- panels: one renderer per kind of answer; the run's inspector names its panel -----------

function renderClasses(answer, panel) {
  const label = el("div", { id: "label", class: `label ${answer.label}` },
    `${answer.label} (p = ${answer.probability.toFixed(3)})`);
  panel.append(label);
  const shares = Object.entries(answer.probabilities || {})
    .map(([name, p]) => `p(${name}) = ${p.toFixed(3)}`).join(" · ");
  panel.append(el("div", { class: "muted" }, shares +
    (answer.truncated ? ` · the model reads ${answer.tokens.length} tokens; ` +
      `${answer.truncated} were cut by the run's length limit` : "")));
  if (!answer.evidence) return;
  const words = el("div", { id: "evidence", class: "evidence" });
  answer.tokens.forEach((token, t) => {
    const value = answer.evidence[t];
    const word = el("span", {
      class: "word" + (answer.unseen[t] ? " unseen" : ""),
      "data-evidence": value,
      title: `evidence ${value >= 0 ? "+" : ""}${value.toFixed(4)}` +
        (answer.unseen[t] ? " (unseen in training)" : ""),
    }, token);
    word.style.background = evidenceColour(value);
    words.append(word, " ");
  });
  panel.append(words);
  const towards = answer.evidence_for, against = answer.evidence_against;
  const legend = el("div", { id: "evidence-legend", class: "legend muted" });
  legend.append(`Evidence, p(${towards}) minus p(${towards}) without the word ` +
    `(leave-one-out), on one scale for every text: blue towards ${against}, red towards ` +
    `${towards}: `);
  for (const step of EVIDENCE_STEPS) {
    const swatch = el("span", { class: "swatch" }, (step > 0 ? "+" : "") + step.toFixed(2));
    swatch.style.background = evidenceColour(step);
    swatch.style.color = Math.abs(step) >= 0.25 ? "white" : "black";
    legend.append(swatch, " ");
  }
  panel.append(legend);
}

function renderTags(answer, panel) {
  const table = el("table", { id: "tags", class: "tags" });
  const head = el("tr");
  ["word", "tag", "probability"].forEach((name) => head.append(el("th", {}, name)));
  table.append(head);
  answer.tokens.forEach((token, t) => {
    const row = el("tr", { class: answer.unseen[t] ? "unseen" : "" });
    row.append(el("td", {}, token + (answer.unseen[t] ? " *" : "")));
    row.append(el("td", { class: "tag" }, answer.tags[t]));
    row.append(el("td", {}, answer.probabilities[t].toFixed(3)));
    table.append(row);
  });
  panel.append(table);
  panel.append(el("p", { class: "muted" }, "* unseen in training: the tagger only had its " +
    "characters and casing to go on."));
  if (answer.spans) renderSpans(answer, panel);
}

// The spans a tagger reads from its tags (entities, chunks), highlighted in the sentence.
function renderSpans(answer, panel) {
  const line = el("div", { id: "spans", class: "spans" });
  let t = 0;
  for (const span of answer.spans) {
    for (; t < span.start; t++) line.append(answer.tokens[t], " ");
    const mark = el("mark", { class: "span", "data-type": span.type, title: span.type },
      answer.tokens.slice(span.start, span.end).join(" "));
    mark.append(el("sub", {}, span.type));
    line.append(mark, " ");
    t = span.end;
  }
  for (; t < answer.tokens.length; t++) line.append(answer.tokens[t], " ");
  panel.append(line);
  panel.append(el("p", { class: "muted" },
    `${answer.spans.length} span(s), read from the tags as conlleval reads them.`));
}

function renderNextWords(answer, panel) {
  // How likely each word was in its place (darker: more surprising), then the next words.
  const words = el("div", { id: "lm-tokens", class: "evidence" });
  answer.tokens.forEach((token, t) => {
    const p = answer.token_probabilities[t];
    const word = el("span", {
      class: "word", title: p === null ? "document start" : `P = ${p.toFixed(4)}`,
    }, token);
    if (p !== null) word.style.background = mix(WHITE, [255, 160, 0], 1 - p);
    words.append(word, " ");
  });
  panel.append(el("div", { class: "muted" },
    "Each word shaded by how surprising it was (darker: less likely in its place)."), words);
  const table = el("table", { id: "next-words", class: "tags" });
  const head = el("tr");
  ["next word", "probability"].forEach((name) => head.append(el("th", {}, name)));
  table.append(head);
  for (const next of answer.next_words) {
    const row = el("tr");
    row.append(el("td", {}, next.word), el("td", {}, next.probability.toFixed(4)));
    table.append(row);
  }
  panel.append(table);
  const controls = el("div", { class: "row" });
  const temperature = el("input", {
    id: "temperature", type: "number", min: "0.1", max: "10", step: "0.1", value: "1.0",
  });
  const count = el("input", { id: "gen-tokens", type: "number", min: "1", max: "200",
    value: "30" });
  const button = el("button", { id: "generate", type: "button" }, "Generate");
  const out = el("p", { id: "generated" });
  const temperatureLabel = el("span", {}, "temperature ");
  temperatureLabel.append(temperature);
  const countLabel = el("span", {}, "words ");
  countLabel.append(count);
  controls.append(temperatureLabel, countLabel, button);
  button.addEventListener("click", async () => {
    button.disabled = true;
    try {
      const generated = await api(
        `/api/runs/${encodeURIComponent(currentRun().name)}/generate`,
        { text: state.text, temperature: Number(temperature.value), tokens: Number(count.value) });
      out.textContent = `${generated.prompt.join(" ")} ▸ ${generated.words.join(" ")}`;
      showError("");
    } catch (error) {
      showError(error.message);
    } finally {
      button.disabled = false;
    }
  });
  panel.append(controls, out);
}

const PANELS = { classes: renderClasses, tags: renderTags, "next-words": renderNextWords };

// --- the heatmap -------------------------------------------------------------------------------

function unitOrder(values, count) {
  // values: [T][H]; units sorted by their largest |value| on this text.
  const hidden = values.length ? values[0].length : 0;
  const peak = Array.from({ length: hidden }, (_, u) => maxAbs(values.map((row) => row[u])));
  const order = [...peak.keys()].sort((a, b) => peak[b] - peak[a]);
  return count === "all" ? order : order.slice(0, Number(count));
}

function renderHeatmap() {
  const inside = state.inside;
  const table = $("heatmap");
  table.replaceChildren();
  if (!inside) return;
  const gate = $("gate").value;
  const values = inside.gates[gate];
  const units = unitOrder(values, $("units").value);
  const signed = ["c", "h", "g"].includes(gate);
  const scale = gate === "c" ? maxAbs(values.flat()) : 1;
  $("heat-legend").textContent = signed
    ? `blue: negative · white: 0 · red: positive (up to ${scale.toFixed(2)})`
    : "dark purple: 0 · green: 0.5 · yellow: 1";
  const head = el("tr");
  head.append(el("th", {}, "unit"));
  inside.tokens.forEach((token) => head.append(el("th", { class: "token", title: token }, token)));
  table.append(head);
  for (const u of units) {
    const row = el("tr");
    row.append(el("th", { class: "unit", "data-unit": u }, String(u)));
    inside.tokens.forEach((_, t) => {
      const value = values[t][u];
      const cell = el("td", { class: "cell", "data-t": t, "data-unit": u, "data-value": value });
      cell.style.background = signed ? signedColour(value, scale) : gateColour(value);
      row.append(cell);
    });
    table.append(row);
  }
}

function onHover(event) {
  const cell = event.target.closest("td.cell");
  if (!cell || !state.inside) return;
  const t = Number(cell.dataset.t);
  const gate = $("gate").value;
  $("hover-info").textContent = `token "${state.inside.tokens[t]}" (t=${t}) · unit ` +
    `${cell.dataset.unit} · ${gate} = ${Number(cell.dataset.value).toFixed(4)}`;
}

async function onUnitClick(event) {
  const header = event.target.closest("th.unit");
  if (!header) return;
  document.querySelectorAll("th.unit.selected").forEach((h) => h.classList.remove("selected"));
  header.classList.add("selected");
  const unit = header.dataset.unit;
  const query = new URLSearchParams({
    layer: $("layer").value, direction: $("direction").value, gate: $("gate").value,
  });
  const list = $("unit-matches");
  list.replaceChildren();
  $("unit-panel").hidden = false;
  $("unit-title").textContent = `Unit ${unit} (${$("gate").value}): searching…`;
  try {
    const answer = await api(`/api/runs/${encodeURIComponent(currentRun().name)}/units/` +
      `${unit}?${query}`);
    $("unit-title").textContent = `Unit ${unit}: where its ${answer.gate} is highest in ` +
      `${answer.examples} validation examples`;
    for (const match of answer.matches) {
      const item = el("li");
      item.append(`${match.value.toFixed(3)}  … ${match.left.join(" ")} `,
        el("mark", {}, match.token), ` ${match.right.join(" ")} …`);
      list.append(item);
    }
  } catch (error) {
    $("unit-title").textContent = `Unit ${unit}: ${error.message}`;
  }
}

// --- the form ----------------------------------------------------------------------------------

function fillSelect(select, values, labels) {
  select.replaceChildren(...values.map((value, i) => el("option", { value }, labels[i])));
}

function onRunChange() {
  const run = currentRun();
  if (!run) return;
  fillSelect($("layer"), [...Array(run.layers).keys()].map(String),
    [...Array(run.layers).keys()].map(String));
  fillSelect($("direction"), run.directions,
    run.directions.map((d) => (d === "fwd" ? "forward" : "backward")));
  $("run-info").textContent = `${run.task} · LSTM: ${run.layers} layer(s), ` +
    `${run.directions.length === 2 ? "bidirectional" : "one direction"}, ` +
    `${run.hidden_size} units`;
}

async function loadInside() {
  const run = currentRun();
  state.inside = await api(`/api/runs/${encodeURIComponent(run.name)}/inside`, {
    text: state.text, layer: Number($("layer").value), direction: $("direction").value,
  });
  renderHeatmap();
  $("inside").hidden = false;
}

async function analyse() {
  const run = currentRun();
  state.text = $("text").value;
  showError("");
  $("go").disabled = true;
  $("busy").hidden = false;
  try {
    const answer = await api(`/api/runs/${encodeURIComponent(run.name)}/predict`,
      { text: state.text });
    const panel = $("panel");
    panel.replaceChildren();
    const render = PANELS[answer.panel];
    if (render) render(answer, panel);
    else panel.append(el("pre", {}, JSON.stringify(answer, null, 2)));
    if (answer.note) panel.prepend(el("p", { class: "muted" }, answer.note));
    $("result").hidden = false;
    $("unit-panel").hidden = true;
    await loadInside();
  } catch (error) {
    showError(error.message);
  } finally {
    $("go").disabled = false;
    $("busy").hidden = true;
  }
}

async function init() {
  try {
    const answer = await api("/api/runs");
    state.runs = answer.runs;
    fillSelect($("run"), state.runs.map((r) => r.name),
      state.runs.map((r) => `${r.name} (${r.task})`));
    $("limit").textContent = `up to ${answer.limits.max_text_chars.toLocaleString("en")} ` +
      "characters";
    onRunChange();
  } catch (error) {
    showError(error.message);
  }
  $("run").addEventListener("change", onRunChange);
  $("go").addEventListener("click", analyse);
  $("text").addEventListener("keydown", (event) => {
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) analyse();
  });
  for (const id of ["layer", "direction"]) {
    $(id).addEventListener("change", () => loadInside().catch((e) => showError(e.message)));
  }
  for (const id of ["gate", "units"]) $(id).addEventListener("change", renderHeatmap);
  $("heatmap").addEventListener("mouseover", onHover);
  $("heatmap").addEventListener("click", onUnitClick);
  document.body.dataset.ready = "true";
}

init();

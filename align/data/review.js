/* align review page: edit the alignment, mark gaps and findings, save corrections.
 *
 * Plain JavaScript, no library, no network. The result (the --json schema) is
 * embedded as JSON in the element #align-data. The model is a
 * list of rows, one per bead of the level shown: {key, en: [unit indices],
 * zh: [...], score, review, findings: [finding indices]}. Every edit is a pure
 * function rows -> rows that keeps the invariant: each unit of both documents
 * is in exactly one row, in document order (checkRows). Rows the server
 * rendered keep their cells until an edit changes them; the aside of every row
 * is drawn here.
 */
(function () {
  "use strict";

  // --- pure editing operations (window.alignEditor.ops; tests drive them) ---

  let nextKey = 0;
  function makeRow(en, zh, score, review, findings) {
    nextKey += 1;
    return {key: "r" + nextKey, en: en, zh: zh, score: score, review: review || null,
      findings: findings || []};
  }

  function edited(review) {
    return {status: "edited", comment: review ? review.comment || "" : ""};
  }

  function pairScore(en, zh, score) {
    return en.length && zh.length ? score : 0;
  }

  function merge(rows, i) {
    if (i < 0 || i >= rows.length - 1) return null;
    const a = rows[i], b = rows[i + 1];
    const en = a.en.concat(b.en), zh = a.zh.concat(b.zh);
    const row = makeRow(en, zh, pairScore(en, zh, Math.max(a.score, b.score)),
      edited(a.review), a.findings.concat(b.findings));
    return rows.slice(0, i).concat([row], rows.slice(i + 2));
  }

  function splitPoint(row) {
    return [row.en.length > 1 ? 1 : row.en.length, row.zh.length > 1 ? 1 : row.zh.length];
  }

  function split(rows, i, a, b) {
    const row = rows[i];
    if (!row) return null;
    if (a === undefined) [a, b] = splitPoint(row);
    const first = [row.en.slice(0, a), row.zh.slice(0, b)];
    const second = [row.en.slice(a), row.zh.slice(b)];
    if (!(first[0].length + first[1].length) || !(second[0].length + second[1].length)) return null;
    const one = makeRow(first[0], first[1], pairScore(first[0], first[1], row.score),
      edited(row.review), row.findings);
    const two = makeRow(second[0], second[1], pairScore(second[0], second[1], row.score),
      edited(null), []);
    return rows.slice(0, i).concat([one, two], rows.slice(i + 1));
  }

  function withSide(row, lang, units) {
    const en = lang === "en" ? units : row.en, zh = lang === "zh" ? units : row.zh;
    return makeRow(en, zh, pairScore(en, zh, row.score), edited(row.review),
      en.length && zh.length ? row.findings : []);
  }

  function move(rows, i, lang, toPrevious) {
    const j = toPrevious ? i - 1 : i + 1;
    if (!rows[i] || !rows[j] || !rows[i][lang].length) return null;
    const units = rows[i][lang];
    const unit = toPrevious ? units[0] : units[units.length - 1];
    const rest = toPrevious ? units.slice(1) : units.slice(0, -1);
    const target = rows[j][lang];
    const out = rows.slice();
    out[j] = withSide(rows[j], lang, toPrevious ? target.concat([unit]) : [unit].concat(target));
    out[i] = withSide(rows[i], lang, rest);
    return out.filter(function (r) { return r.en.length || r.zh.length; });
  }

  function unlink(rows, i) {
    const row = rows[i];
    if (!row || !row.en.length || !row.zh.length) return null;
    const en = makeRow(row.en, [], 0, edited(row.review), []);
    const zh = makeRow([], row.zh, 0, edited(null), []);
    return rows.slice(0, i).concat([en, zh], rows.slice(i + 1));
  }

  /* "" when every unit 0..n-1 of each language is in exactly one row, in order. */
  function checkRows(rows, counts) {
    for (const lang of ["en", "zh"]) {
      let expect = 0;
      for (const row of rows) {
        for (const u of row[lang]) {
          if (u !== expect) return lang + " unit " + u + " where " + expect + " belongs";
          expect += 1;
        }
      }
      if (expect !== counts[lang]) return lang + ": " + expect + " of " + counts[lang] + " units";
    }
    const empty = rows.findIndex(function (r) { return !r.en.length && !r.zh.length; });
    return empty >= 0 ? "row " + empty + " is empty" : "";
  }

  const ops = {merge: merge, split: split, move: move, unlink: unlink, checkRows: checkRows,
    makeRow: makeRow};

  // --- the page's data ------------------------------------------------------

  const node = document.getElementById("align-data");
  if (!node) { window.alignEditor = {ops: ops}; return; }
  const DATA = JSON.parse(node.textContent);
  const RESULT = DATA.result, VIEW = DATA.view, LEVEL = VIEW.level;
  const BEADS_KEY = LEVEL === "sentence" ? "sentence_beads" : "paragraph_beads";
  const units = {en: unitList(RESULT.en), zh: unitList(RESULT.zh)};
  const counts = {en: units.en.length, zh: units.zh.length};

  function unitList(doc) {
    const out = [];
    doc.paragraphs.forEach(function (p, pi) {
      if (LEVEL === "paragraph") {
        out.push({line: p.line, end: p.end_line, text: p.text, kind: p.kind, start: true,
          location: p.location, paragraph: pi, sentences: p.sentences});
        return;
      }
      p.sentences.forEach(function (s, si) {
        out.push({line: s.line, end: s.end_line, text: s.text, kind: p.kind, start: si === 0,
          location: s.location, paragraph: pi, sentences: [s]});
      });
    });
    return out;
  }

  function gapUnits(g) {
    return LEVEL === "sentence" ? g.sentences : g.paragraphs;
  }

  // Gap entry by "lang:unit", preferring gaps of the level shown (as the server does).
  const gapOf = {};
  RESULT.gaps.slice().sort(function (a, b) {
    return (a.level !== LEVEL) - (b.level !== LEVEL);
  }).forEach(function (g) {
    for (const u of gapUnits(g)) {
      const k = g.only_in + ":" + u;
      if (!(k in gapOf)) gapOf[k] = g;
    }
  });

  const state = {rows: [], gapDecisions: {}, findingDecisions: {}, history: [], edits: 0};
  const findingsByBead = {};
  RESULT.findings.forEach(function (f, k) {
    const bead = LEVEL === "sentence" ? f.bead : paragraphBeadOf(f.bead);
    if (bead === null) return;
    (findingsByBead[bead] = findingsByBead[bead] || []).push(k);
    if (f.reviewed || f.status) state.findingDecisions[k] = {status: f.status || "confirmed",
      comment: f.comment || ""};
  });
  RESULT.gaps.forEach(function (g) {
    if (!(g.reviewed || g.status)) return;
    for (const u of gapUnits(g)) {
      state.gapDecisions[g.only_in + ":" + u] = {status: g.status || "confirmed",
        comment: g.comment || ""};
    }
  });

  function paragraphBeadOf(sentenceBead) {
    const b = RESULT.sentence_beads[sentenceBead];
    if (!b) return null;
    const lang = b.en.length ? "en" : "zh";
    const para = units[lang].length ? sentenceParagraph(lang, b[lang][0]) : null;
    const found = RESULT.paragraph_beads.findIndex(function (pb) {
      return pb[lang].indexOf(para) >= 0;
    });
    return found >= 0 ? found : null;
  }

  function sentenceParagraph(lang, s) {
    let count = 0;
    const paras = RESULT[lang].paragraphs;
    for (let p = 0; p < paras.length; p += 1) {
      count += paras[p].sentences.length;
      if (s < count) return p;
    }
    return null;
  }

  RESULT[BEADS_KEY].forEach(function (b, k) {
    const review = b.reviewed || b.status ? {status: b.status || "confirmed",
      comment: b.comment || ""} : null;
    state.rows.push(makeRow(b.en.slice(), b.zh.slice(), b.score, review, findingsByBead[k]));
  });

  window.alignEditor = {ops: ops, state: state, counts: counts, apply: apply,
    buildResult: buildResult, render: render};


  // --- rendering ----------------------------------------------------------

  const CONTROL = /[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]/g;
  function esc(text) {
    const s = String(text).replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;")
      .replace(/"/g, "&quot;").replace(/'/g, "&#x27;");
    return s.replace(CONTROL, function (c) {
      const code = c.charCodeAt(0);
      const symbol = code === 0x7f ? "\u2421" : String.fromCharCode(0x2400 + code);
      const hex = code.toString(16).toUpperCase().padStart(4, "0");
      return '<span class="ctl" title="U+' + hex + '">' + symbol + "</span>";
    });
  }

  function lines(first, last) {
    return first === last ? String(first) : first + "\u2013" + last;
  }

  function langName(lang) { return lang === "en" ? "English" : "Chinese"; }

  function cellHtml(row, lang) {
    const label = langName(lang);
    if (!row[lang].length) {
      const other = langName(lang === "en" ? "zh" : "en");
      return '<div class="cell ' + lang + ' empty" data-label="' + label + '"><p class="none">' +
        other + " only \u2014 not in the " + label + " text</p></div>";
    }
    const segs = row[lang].map(function (i) {
      const u = units[lang][i];
      const chip = u.start && u.kind !== "body" ? '<span class="kind">' + esc(u.kind) + "</span>" : "";
      const where = u.location ? esc(u.location) : lines(u.line, u.end);
      const title = u.location ? "location in the document" : u.start ? "first line of a paragraph" : "line";
      // Issue 15's omission spans inside pairs would be marked up in this text.
      return '<p class="seg' + (u.start ? " pstart" : "") + (u.location ? " loc" : "") +
        '"><span class="ln" title="' + title + '">' + where + '</span><span class="t">' + chip +
        esc(u.text) + "</span></p>";
    });
    return '<div class="cell ' + lang + '" lang="' + esc(VIEW.tags[lang]) + '" data-label="' +
      label + '">' + segs.join("") + "</div>";
  }

  function rowClasses(row) {
    const cls = ["bead"];
    if (!row.en.length || !row.zh.length) cls.push("gap", row.en.length ? "only-en" : "only-zh");
    if (row.findings.length) cls.push("flagged");
    if (["en", "zh"].some(function (l) { return row[l].length && units[l][row[l][0]].start; })) {
      cls.push("newpara");
    }
    if (row.review && row.review.status === "edited") cls.push("edited");
    const decision = rowDecision(row);
    if (decision) cls.push(decision.status);
    return cls.join(" ");
  }

  function isGap(row) { return !row.en.length || !row.zh.length; }

  function rowDecision(row) {
    if (isGap(row)) {
      const lang = row.en.length ? "en" : "zh";
      return state.gapDecisions[lang + ":" + row[lang][0]] || null;
    }
    return row.review && row.review.status !== "edited" ? row.review : null;
  }

  function gapInfo(row) {
    const lang = row.en.length ? "en" : "zh";
    const g = gapOf[lang + ":" + row[lang][0]];
    if (!g || !row[lang].every(function (u) { return gapOf[lang + ":" + u] === g; })) {
      return '<div class="gapinfo">made by review</div>';
    }
    const pct = Math.round(g.confidence * 100) + "%";
    return '<div class="gapinfo"><meter min="0" max="1" value="' + g.confidence.toFixed(3) +
      '"></meter> ' + pct + " sure \u00b7 " + esc(g.kind) + "</div>";
  }

  function decisionHtml(what, decision) {
    const status = decision ? decision.status : "";
    const button = function (value, text, title) {
      return '<button type="button" data-act="' + what + '" data-value="' + value + '" title="' +
        title + '" aria-pressed="' + (status === value) + '">' + text + "</button>";
    };
    const comment = decision ? '<input class="comment" data-act="' + what + '-comment" ' +
      'placeholder="comment" aria-label="comment" value="' + esc(decision.comment || "") + '">' : "";
    return '<span class="decide">' + button("confirmed", "\u2713 confirm", "a real problem") +
      button("dismissed", "\u2715 dismiss", "a false alarm") + comment + "</span>";
  }

  function metaHtml(row, k) {
    const gap = isGap(row);
    const num = '<a class="num" href="#b' + (k + 1) + '">#' + (k + 1) + '</a><code class="idx" ' +
      'title="0-based index in ' + BEADS_KEY + ' of the saved JSON">[' + k + "]</code>";
    const type = '<span class="type">' + row.en.length + "-" + row.zh.length + "</span>";
    const score = gap ? "" : '<span class="score" title="bead score">' +
      (row.review && row.review.status === "edited" ? "edited" : row.score.toFixed(3)) + "</span>";
    const parts = ['<div class="head">' + num + type + score + "</div>"];
    if (gap) parts.push(gapInfo(row) + decisionHtml("gap", rowDecision(row)));
    else if (rowDecision(row)) parts.push('<div class="pairdecide">confirmed</div>');
    if (row.findings.length) parts.push(findingsHtml(row));
    parts.push(toolsHtml(row, k));
    return '<aside class="meta">' + parts.join("") + "</aside>";
  }

  function findingsHtml(row) {
    return '<ul class="findings">' + row.findings.map(function (fi) {
      const f = RESULT.findings[fi], d = state.findingDecisions[fi];
      return '<li class="' + esc(f.severity) + (d ? " " + d.status : "") + '" data-finding="' + fi +
        '"><b>' + esc(f.check) + "</b> " + esc(f.message) + " " + decisionHtml("finding", d) + "</li>";
    }).join("") + "</ul>";
  }

  /* Only the edits that apply to this row (a disabled button would be noise). */
  function toolsHtml(row, k) {
    const last = k === state.rows.length - 1;
    const tool = function (act, text, title, extra) {
      return '<button type="button" data-act="' + act + '"' + (extra || "") + ' title="' + title +
        '">' + text + "</button>";
    };
    const out = [];
    if (!isGap(row)) {
      const on = !!rowDecision(row);
      out.push('<button type="button" data-act="pair" data-value="confirmed" aria-pressed="' + on +
        '" title="the pair is right (TMX: x-reviewed)">\u2713 pair</button>');
    }
    if (!last) out.push(tool("merge", "merge\u2193", "merge with the next row (m)"));
    if (row.en.length > 1 || row.zh.length > 1) {
      out.push(tool("split", "split", "split after the first " + LEVEL + " of each side (s)"));
    }
    if (!isGap(row)) out.push(tool("unlink", "unlink", "make the pair two gaps"));
    ["en", "zh"].forEach(function (lang) {
      const name = lang.toUpperCase(), what = " " + langName(lang) + " " + LEVEL;
      if (!row[lang].length) return;
      if (k > 0) {
        out.push(tool("move", "\u2191" + name, "move the first" + what + " to the row above",
          ' data-lang="' + lang + '" data-dir="up"'));
      }
      if (!last) {
        out.push(tool("move", name + "\u2193", "move the last" + what + " to the row below",
          ' data-lang="' + lang + '" data-dir="down"'));
      }
    });
    return '<div class="tools" role="group" aria-label="edit this row">' + out.join("") + "</div>";
  }

  function rowElement(row) {
    const el = document.createElement("article");
    el.innerHTML = VIEW.order.map(function (lang) { return cellHtml(row, lang); }).join("");
    return el;
  }

  /* Put the rows' articles in order: reuse each row's element, draw new rows. */
  function render() {
    const main = document.querySelector("main");
    let before = main.querySelector(".colhead").nextSibling;
    const keep = new Set();
    state.rows.forEach(function (row, k) {
      let el = elements[row.key];
      if (!el) el = elements[row.key] = rowElement(row);
      keep.add(el);
      el.className = rowClasses(row);
      el.id = "b" + (k + 1);
      el.tabIndex = -1;
      el.dataset.row = k;
      const old = el.querySelector("aside.meta");
      if (old) old.remove();
      addCuts(el, row);
      el.insertAdjacentHTML("beforeend", metaHtml(row, k));
      if (el !== before) main.insertBefore(el, before);
      before = el.nextSibling;
    });
    Array.from(main.querySelectorAll("article.bead")).forEach(function (el) {
      if (!keep.has(el)) el.remove();
    });
    renderGapList();
    applyFilters();
    updateStatus();
  }

  /* A "cut" button before each sentence but the first of a multi-sentence side. */
  function addCuts(el, row) {
    el.querySelectorAll("button.cut").forEach(function (b) { b.remove(); });
    ["en", "zh"].forEach(function (lang) {
      if (row[lang].length < 2) return;
      const segs = el.querySelectorAll(".cell." + lang + " > .seg");
      for (let at = 1; at < segs.length; at += 1) {
        segs[at].insertAdjacentHTML("beforebegin", '<button type="button" class="cut" ' +
          'data-act="cut" data-lang="' + lang + '" data-at="' + at + '" title="split the row here">' +
          "\u2702 split here</button>");
      }
    });
  }

  /* Where a cut before sentence ``at`` of ``lang`` splits the other side: at the same count. */
  function cutPoint(row, lang, at) {
    const other = lang === "en" ? "zh" : "en";
    const b = Math.min(at, row[other].length);
    return lang === "en" ? [at, b] : [b, at];
  }

  function renderGapList() {
    const list = document.querySelector("details.gaps ol");
    if (!list) return;
    const items = [];
    state.rows.forEach(function (row, k) {
      if (!isGap(row)) return;
      const lang = row.en.length ? "en" : "zh", u = units[lang][row[lang][0]];
      const g = gapOf[lang + ":" + row[lang][0]], d = rowDecision(row);
      const text = row[lang].map(function (i) { return units[lang][i].text; }).join(lang === "en" ? " " : "");
      const excerpt = text.length <= 90 ? text : text.slice(0, 89) + "\u2026";
      items.push('<li' + (d ? ' class="' + d.status + '"' : "") + '><a href="#b' + (k + 1) +
        '"><span class="tag ' + lang + '">' + langName(lang) + " only</span> " +
        (u.location ? esc(u.location) : "line " + lines(u.line, u.end)) + " \u00b7 " +
        (g ? Math.round(g.confidence * 100) + "% sure \u00b7 " + esc(g.kind) : "made by review") +
        (d ? " \u00b7 " + d.status : "") + ' <q lang="' + esc(VIEW.tags[lang]) + '">' +
        esc(excerpt) + "</q></a></li>");
    });
    list.innerHTML = items.join("");
    const summary = document.querySelector("details.gaps summary");
    if (summary) summary.textContent = items.length + " gap" + (items.length === 1 ? "" : "s");
  }

  const elements = {};

  // --- filters and navigation -------------------------------------------------

  // score: null = no score filter (bead scores are not bounded by 1).
  const filters = {show: "all", label: "", conf: 0, score: null, q: ""};

  function rowText(row) {
    return ["en", "zh"].map(function (l) {
      return row[l].map(function (i) { return units[l][i].text; }).join(" ");
    }).join(" ").toLowerCase();
  }

  function gapConfidence(row) {
    const lang = row.en.length ? "en" : "zh", g = gapOf[lang + ":" + row[lang][0]];
    return g ? g.confidence : 1;
  }

  function shown(row) {
    const gap = isGap(row), d = rowDecision(row), f = filters;
    const kinds = {all: true, problems: gap || row.findings.length > 0, gaps: gap,
      "only-en": gap && row.en.length > 0, "only-zh": gap && row.zh.length > 0,
      findings: row.findings.length > 0, edited: !!(row.review && row.review.status === "edited"),
      undecided: (gap || row.findings.length > 0) && !d, dismissed: !!(d && d.status === "dismissed")};
    if (!kinds[f.show]) return false;
    if (f.label && !["en", "zh"].some(function (l) {
      return row[l].some(function (i) { return units[l][i].kind === f.label; });
    })) return false;
    if (gap && gapConfidence(row) < f.conf) return false;
    if (f.score !== null && (gap || row.score >= f.score)) return false;
    return !f.q || rowText(row).indexOf(f.q) >= 0;
  }

  function applyFilters() {
    let count = 0;
    state.rows.forEach(function (row) {
      const on = shown(row);
      elements[row.key].hidden = !on;
      count += on;
    });
    const out = document.getElementById("shown");
    if (out) out.textContent = count + " of " + state.rows.length + " rows";
  }

  function currentIndex() {
    const el = document.activeElement && document.activeElement.closest &&
      document.activeElement.closest("main article.bead");
    return el ? Number(el.dataset.row) : lastFocus;
  }

  let lastFocus = -1;
  function focusRow(k) {
    const row = state.rows[k];
    if (!row) return;
    const el = elements[row.key];
    lastFocus = k;
    document.querySelectorAll("main article.current").forEach(function (e) {
      e.classList.remove("current");
    });
    el.classList.add("current");
    el.focus({preventScroll: true});
    el.scrollIntoView({block: "center"});
  }

  function step(direction) {
    const rows = state.rows;
    for (let k = currentIndex() + direction; k >= 0 && k < rows.length; k += direction) {
      const row = rows[k];
      if ((isGap(row) || row.findings.length) && !elements[row.key].hidden) {
        focusRow(k);
        return;
      }
    }
  }

  // --- editing, decisions, undo --------------------------------------------

  function snapshot() {
    return JSON.stringify({rows: state.rows, gaps: state.gapDecisions,
      findings: state.findingDecisions});
  }

  /* Run an edit; refuse (and keep everything) if it breaks the invariant. */
  function apply(op, args) {
    const rows = ops[op].apply(null, [state.rows].concat(args));
    if (!rows) return false;
    const problem = checkRows(rows, counts);
    if (problem) throw new Error("edit refused: " + problem);
    state.history.push(snapshot());
    state.rows = rows;
    state.edits += 1;
    render();
    return true;
  }

  function undo() {
    const last = state.history.pop();
    if (!last) return;
    const old = JSON.parse(last);
    state.rows = old.rows;
    state.gapDecisions = old.gaps;
    state.findingDecisions = old.findings;
    state.edits = Math.max(0, state.edits - 1);
    render();
  }

  function decide(what, row, value, finding) {
    state.history.push(snapshot());
    state.edits += 1;
    const toggle = function (old) {
      return old && old.status === value ? null : {status: value, comment: old ? old.comment : ""};
    };
    if (what === "finding") {
      const d = toggle(state.findingDecisions[finding]);
      if (d) state.findingDecisions[finding] = d; else delete state.findingDecisions[finding];
    } else if (what === "gap") {
      const lang = row.en.length ? "en" : "zh", d = toggle(rowDecision(row));
      for (const u of row[lang]) {
        if (d) state.gapDecisions[lang + ":" + u] = d; else delete state.gapDecisions[lang + ":" + u];
      }
    } else {
      const d = toggle(rowDecision(row));
      state.rows[state.rows.indexOf(row)] = Object.assign({}, row, {review: d});
    }
    render();
  }

  function comment(what, row, text, finding) {
    if (what === "finding-comment") {
      state.findingDecisions[finding].comment = text;
    } else if (what === "gap-comment") {
      const lang = row.en.length ? "en" : "zh";
      for (const u of row[lang]) state.gapDecisions[lang + ":" + u].comment = text;
    } else if (row.review) {
      row.review.comment = text;
    }
    updateStatus();
  }

  function onClick(event) {
    const button = event.target.closest("button[data-act]");
    const article = event.target.closest("main article.bead");
    if (article) {
      lastFocus = Number(article.dataset.row);
      if (!button && !event.target.closest("a,input")) focusRow(lastFocus);
    }
    if (!button || !article) return;
    const k = Number(article.dataset.row), row = state.rows[k], act = button.dataset.act;
    if (act === "merge") apply("merge", [k]);
    else if (act === "split") apply("split", [k]);
    else if (act === "unlink") apply("unlink", [k]);
    else if (act === "move") apply("move", [k, button.dataset.lang, button.dataset.dir === "up"]);
    else if (act === "cut") apply("split", [k].concat(cutPoint(row, button.dataset.lang, Number(button.dataset.at))));
    else {
      const li = button.closest("li[data-finding]");
      decide(act, row, button.dataset.value, li ? Number(li.dataset.finding) : null);
    }
    if (["merge", "split", "unlink", "move", "cut"].indexOf(act) >= 0) {
      focusRow(Math.min(k, state.rows.length - 1));
    }
  }

  function onInput(event) {
    const t = event.target;
    if (t.classList.contains("comment")) {
      const article = t.closest("main article.bead"), li = t.closest("li[data-finding]");
      comment(t.dataset.act, state.rows[Number(article.dataset.row)], t.value,
        li ? Number(li.dataset.finding) : null);
      return;
    }
    if (!t.dataset.filter) return;
    const v = t.value;
    filters[t.dataset.filter] = t.dataset.filter === "q" ? v.trim().toLowerCase()
      : t.type !== "number" ? v : v.trim() === "" || isNaN(Number(v)) ? (t.dataset.filter === "conf" ? 0 : null)
      : Number(v);
    applyFilters();
  }

  function onKey(event) {
    const t = event.target;
    if (t.matches && t.matches("input,select,textarea")) {
      if (event.key === "Escape") t.blur();
      return;
    }
    if (event.ctrlKey && event.key === "z") { event.preventDefault(); undo(); return; }
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    const k = currentIndex();
    const actions = {
      n: function () { step(1); }, j: function () { step(1); },
      p: function () { step(-1); }, k: function () { step(-1); },
      u: undo, "/": function () { document.getElementById("search").focus(); },
      m: function () { if (k >= 0) apply("merge", [k]); },
      s: function () { if (k >= 0) apply("split", [k]); },
    };
    if (actions[event.key]) { event.preventDefault(); actions[event.key](); }
  }

  // --- saving ----------------------------------------------------------------

  function reviewKeys(d) {
    if (!d) return {};
    const out = {reviewed: true, status: d.status};
    if (d.comment) out.comment = d.comment;
    return out;
  }

  function joinText(lang, list) {
    return list.map(function (u) { return u.text; }).join(lang === "en" ? " " : "");
  }

  /* A gap over a run of null units the original gaps do not cover (cf. review.refresh_gaps). */
  function newGap(lang, run) {
    const us = run.map(function (i) { return units[lang][i]; });
    const sentences = [];
    us.forEach(function (u) {
      u.sentences.forEach(function (s) { sentences.push(sentenceIndex(lang, u.paragraph, s)); });
    });
    const paragraphs = Array.from(new Set(us.map(function (u) { return u.paragraph; })));
    const g = {level: LEVEL, only_in: lang, paragraphs: paragraphs, sentences: sentences,
      line: us[0].line, end_line: us[us.length - 1].end, text: joinText(lang, us),
      confidence: 1.0, kind: us[0].kind};
    if (us[0].location) g.location = us[0].location;
    return Object.assign(g, {reviewed: true, status: "confirmed"});
  }

  function sentenceIndex(lang, paragraph, sentence) {
    let count = 0;
    const paras = RESULT[lang].paragraphs;
    for (let p = 0; p < paragraph; p += 1) count += paras[p].sentences.length;
    return count + paras[paragraph].sentences.indexOf(sentence);
  }

  function savedGaps() {
    const nullUnits = new Set(), first = {};
    state.rows.forEach(function (row, k) {
      if (!isGap(row)) return;
      const lang = row.en.length ? "en" : "zh";
      row[lang].forEach(function (u) { nullUnits.add(lang + ":" + u); first[lang + ":" + u] = k; });
    });
    const kept = RESULT.gaps.filter(function (g) {
      return gapUnits(g).length && gapUnits(g).every(function (u) { return nullUnits.has(g.only_in + ":" + u); });
    });
    const covered = new Set();
    kept.forEach(function (g) { gapUnits(g).forEach(function (u) { covered.add(g.only_in + ":" + u); }); });
    const out = [], made = [];
    kept.forEach(function (g) {
      const copy = Object.assign({}, g);
      delete copy.reviewed; delete copy.status; delete copy.comment;
      out.push(Object.assign(copy, reviewKeys(state.gapDecisions[g.only_in + ":" + gapUnits(g)[0]])));
    });
    for (const lang of ["en", "zh"]) {
      let run = [];
      const flush = function () {
        if (!run.length) return;
        const g = newGap(lang, run), d = state.gapDecisions[lang + ":" + run[0]];
        made.push(d ? Object.assign(g, reviewKeys(d)) : g);
        run = [];
      };
      state.rows.forEach(function (row) {
        const free = row[lang].filter(function (u) { return nullUnits.has(lang + ":" + u) && !covered.has(lang + ":" + u); });
        if (free.length && run.length && free[0] !== run[run.length - 1] + 1) flush();
        if (!free.length) flush();
        run = run.concat(free);
      });
      flush();
    }
    // The kept gaps in their order, then the new ones in the order of their rows.
    return out.concat(made.sort(function (a, b) {
      return first[a.only_in + ":" + gapUnits(a)[0]] - first[b.only_in + ":" + gapUnits(b)[0]];
    }));
  }

  function savedFindings() {
    const out = [];
    state.rows.forEach(function (row, k) {
      row.findings.forEach(function (fi) {
        const f = Object.assign({}, RESULT.findings[fi]);
        delete f.reviewed; delete f.status; delete f.comment;
        if (row.review && row.review.status === "edited") {
          delete f.span; delete f.span_text;  // offsets in the old bead's text no longer hold
        }
        if (LEVEL === "sentence") f.bead = k;
        out.push(Object.assign(f, reviewKeys(state.findingDecisions[fi])));
      });
    });
    return out;
  }

  function summaryOf(r) {
    const gaps = function (level) {
      const out = {en: 0, zh: 0};
      r.gaps.forEach(function (g) { if (!level || g.level === level) out[g.only_in] += 1; });
      return out;
    };
    const sev = {error: 0, warning: 0, info: 0};
    r.findings.forEach(function (f) { if (f.severity in sev) sev[f.severity] += 1; });
    return {en_paragraphs: r.en.paragraphs.length, zh_paragraphs: r.zh.paragraphs.length,
      en_sentences: RESULT.summary.en_sentences, zh_sentences: RESULT.summary.zh_sentences,
      paragraph_beads: r.paragraph_beads.length, sentence_beads: r.sentence_beads.length,
      gaps: gaps(null), paragraph_gaps: gaps("paragraph"), sentence_gaps: gaps("sentence"),
      findings: sev};
  }

  /* The corrected result, in the --json schema. */
  function buildResult() {
    const r = Object.assign({}, RESULT);
    r[BEADS_KEY] = state.rows.map(function (row) {
      return Object.assign({en: row.en, zh: row.zh, score: row.score,
        bead: row.en.length + "-" + row.zh.length}, reviewKeys(row.review));
    });
    r.gaps = savedGaps();
    r.findings = savedFindings();
    r.summary = summaryOf(r);
    return r;
  }

  function save() {
    const text = JSON.stringify(buildResult(), null, 1) + "\n";
    const link = document.createElement("a");
    link.href = URL.createObjectURL(new Blob([text], {type: "application/json"}));
    link.download = saveName();
    document.body.appendChild(link);
    link.click();
    link.remove();
    state.saved = state.edits;
    updateStatus();
  }

  /* review.html -> review.corrected.json (the page's own name), else from the input file. */
  function saveName() {
    const page = decodeURIComponent(location.pathname.split("/").pop() || "");
    const stem = page.replace(/\.html?$/i, "");
    return stem && stem !== page ? stem + ".corrected.json" : VIEW.save_as;
  }

  function updateStatus() {
    const out = document.getElementById("edits");
    if (out) out.textContent = state.edits ? state.edits + " change" + (state.edits === 1 ? "" : "s") : "no changes";
    const undoButton = document.getElementById("undo");
    if (undoButton) undoButton.disabled = !state.history.length;
  }

  function init() {
    const articles = document.querySelectorAll("main article.bead");
    state.rows.forEach(function (row, k) { if (articles[k]) elements[row.key] = articles[k]; });
    const bar = document.getElementById("editor");
    if (bar) bar.hidden = false;
    document.documentElement.classList.add("js");
    document.addEventListener("click", onClick);
    document.addEventListener("input", onInput);
    document.addEventListener("keydown", onKey);
    document.getElementById("save").addEventListener("click", save);
    document.getElementById("undo").addEventListener("click", undo);
    window.addEventListener("beforeunload", function (e) {
      if (state.edits && state.saved !== state.edits) e.preventDefault();
    });
    render();
  }

  init();
})();

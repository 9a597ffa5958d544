// After htmx swaps a page into <main>, behave like a page load: start at the top and move
// keyboard and screen-reader focus to the new content.
document.addEventListener("htmx:afterSettle", (event) => {
  const main = document.getElementById("main");
  if (event.detail.target !== main) return;
  window.scrollTo(0, 0);
  main.querySelectorAll("[data-deadline]").forEach(startCountdown);
  const heading = main.querySelector("h1");
  if (heading) {
    heading.setAttribute("tabindex", "-1");
    heading.focus({ preventScroll: true });
  } else {
    main.focus({ preventScroll: true });
  }
});

// A fragment that replaced the control the student used (a knowledge check's form swapped for
// its result) marks where focus goes, so it does not fall to <body>. Marked by the server only
// in that answer; the mark is removed once used, so later swaps (polls) never move focus.
document.addEventListener("htmx:afterSettle", () => {
  const target = document.querySelector("[data-focus-after-swap]");
  if (!target) return;
  target.removeAttribute("data-focus-after-swap");
  if (!target.hasAttribute("tabindex")) target.setAttribute("tabindex", "-1");
  target.focus();
});

// Autosave: the server explains a refused answer (400, 409) in a fragment for the status
// line; htmx swaps no error answer by itself. Anything else (a 403 page when the session
// ended, a 500, no connection) gets a message here, in the same role=status line.
const AUTOSAVE_STATUS = "autosave-status";
const NOT_SAVED = "Not saved — check your connection; your other answers are safe.";

function isAutosave(event) {
  const target = event.detail.target;
  return Boolean(target && target.id === AUTOSAVE_STATUS);
}

document.addEventListener("htmx:beforeSwap", (event) => {
  if (!isAutosave(event)) return;
  const status = event.detail.xhr.status;
  if (status === 400 || status === 409) {
    event.detail.shouldSwap = true;
    event.detail.isError = false;
  }
});

function autosaveFailed(event) {
  if (!isAutosave(event)) return;
  const xhr = event.detail.xhr;
  if (xhr && (xhr.status === 400 || xhr.status === 409)) return; // swapped above
  let message = NOT_SAVED;
  if (xhr && xhr.status === 403) {
    message = "Not saved — your session may have ended; reload the page. Your other answers are safe.";
  }
  event.detail.target.textContent = message;
}

document.addEventListener("htmx:responseError", autosaveFailed);
document.addEventListener("htmx:sendError", autosaveFailed);

// Time limits: show the deadline in the student's own time zone, keep "x minutes left"
// current, and warn ahead of time in a polite live region (WCAG 2.2.1). The page says all of
// this without JavaScript too, in the server's time zone.
const WARN_AT_MINUTES = [10, 5, 1];

function startCountdown(box) {
  const deadline = new Date(box.dataset.deadline);
  if (Number.isNaN(deadline.getTime())) return;
  const time = box.querySelector("time");
  if (time) {
    time.textContent = deadline.toLocaleTimeString([], {
      hour: "2-digit",
      minute: "2-digit",
      timeZoneName: "short",
    });
  }
  const left = box.querySelector("[data-time-left]");
  const warning = document.querySelector("[data-deadline-warning]");
  let warned = Infinity;

  function tick() {
    const minutes = Math.ceil((deadline.getTime() - Date.now()) / 60000);
    if (left) {
      left.textContent =
        minutes <= 0 ? "no time" : `${minutes} minute${minutes === 1 ? "" : "s"}`;
    }
    const due = WARN_AT_MINUTES.filter((at) => minutes <= at && at < warned);
    if (warning && due.length) {
      warned = Math.min(...due);
      warning.textContent =
        minutes <= 0
          ? "Time is up. Answers saved before the deadline are scored."
          : `${minutes} minute${minutes === 1 ? "" : "s"} left. Your answers are saved as you go; submit before time runs out.`;
    }
    if (minutes > 0) window.setTimeout(tick, 15000);
  }
  tick();
}

document.querySelectorAll("[data-deadline]").forEach(startCountdown);

// A time zone not chosen yet starts as the browser's (the reminder settings); without
// JavaScript it stays the site's, and the student picks theirs from the list.
document.querySelectorAll("select[data-zone-from-browser]").forEach((select) => {
  const zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  if (select.value === "" && zone && [...select.options].some((o) => o.value === zone)) {
    select.value = zone;
  }
});

// A page that comes back with a problem (a form's error summary) starts there, not at the top.
const focusOnLoad = document.querySelector("[data-focus-on-load]");
if (focusOnLoad) focusOnLoad.focus();

// Lesson text, once loaded or swapped in: a copy button on every code block, and a hint
// above every table too wide for the screen. Progressive: without JavaScript the code is
// still selectable and the table still scrolls (it is focusable, so keys scroll it too).
let copyStatus = null;

function announce(message) {
  if (!copyStatus) {
    copyStatus = document.createElement("p");
    copyStatus.className = "visually-hidden";
    copyStatus.setAttribute("role", "status");
    document.body.append(copyStatus);
  }
  copyStatus.textContent = "";
  window.setTimeout(() => {
    copyStatus.textContent = message;
  }, 50);
}

function addCopyButton(block) {
  if (block.querySelector(".copy-button") || !navigator.clipboard) return;
  const code = block.querySelector("pre");
  if (!code) return;
  const button = document.createElement("button");
  button.type = "button";
  button.className = "copy-button";
  button.textContent = "Copy";
  const language = block.dataset.language;
  button.setAttribute("aria-label", language ? `Copy the ${language} code` : "Copy the code");
  button.addEventListener("click", () => {
    navigator.clipboard.writeText(code.innerText.replace(/\n$/, "")).then(
      () => {
        button.textContent = "Copied";
        announce("Code copied.");
        window.setTimeout(() => {
          button.textContent = "Copy";
        }, 2000);
      },
      () => announce("Could not copy: select the code and copy it instead."),
    );
  });
  block.prepend(button);
}

function markWideTable(table) {
  const wide = table.scrollWidth > table.clientWidth + 1;
  let hint = table.previousElementSibling;
  if (!hint || !hint.classList.contains("scroll-hint")) hint = null;
  if (wide && !hint) {
    hint = document.createElement("p");
    hint.className = "scroll-hint";
    hint.textContent = "This table is wider than the screen: scroll it sideways.";
    table.before(hint);
  } else if (!wide && hint) {
    hint.remove();
  }
}

function enhanceLessonText(root) {
  root.querySelectorAll(".prose .highlight").forEach(addCopyButton);
  root.querySelectorAll(".prose table").forEach(markWideTable);
}

enhanceLessonText(document);
document.addEventListener("htmx:afterSettle", (event) => enhanceLessonText(event.detail.target));
let resizeTimer = 0;
window.addEventListener("resize", () => {
  window.clearTimeout(resizeTimer);
  resizeTimer = window.setTimeout(() => {
    document.querySelectorAll(".prose table").forEach(markWideTable);
  }, 150);
});

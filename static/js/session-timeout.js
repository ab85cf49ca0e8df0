// The timeout warning (the MOJ/HMRC pattern): SESSION_TIMEOUT_WARNING_SECONDS before an idle
// session ends, a modal dialog says so and offers "Stay signed in" (POST, extends the session
// on the server) or "Sign out". Focus moves into it and stays there; the countdown is
// announced sparingly (each minute, then every 20 seconds). When time runs out the page
// signs out and shows "You have been signed out". Other tabs of the portal hear about
// activity through localStorage, so one busy tab keeps the others from warning.
// When the absolute limit since sign-in comes first, nothing extends it: the dialog says at
// what time the session ends and why, and offers "Continue" (closes it, for good) instead.

const dialog = document.getElementById("session-timeout");
const STORAGE_KEY = "partnership.sessionEndsAt";
// The absolute end someone has already been warned of and chose to continue towards.
const ACKNOWLEDGED_KEY = "partnership.sessionEndAcknowledged";
// Sign out this far before the server would: the sign-out POST still finds the session.
const MARGIN_MS = 3000;

function spoken(seconds) {
  if (seconds >= 60) {
    const minutes = Math.ceil(seconds / 60);
    return `${minutes} minute${minutes === 1 ? "" : "s"}`;
  }
  return `${seconds} second${seconds === 1 ? "" : "s"}`;
}

function stored(key) {
  try {
    return window.localStorage.getItem(key);
  } catch {
    return null;
  }
}

function store(key, value) {
  try {
    window.localStorage.setItem(key, value);
  } catch {
    // Storage refused (private browsing): each tab keeps its own time.
  }
}

// What other tabs need: when the session ends here, by which limit, the server's end
// (seconds since 1970) and the time it is written as.
function share(endsAt, limit, serverEndsAt, signedOutAt) {
  store(STORAGE_KEY, [endsAt, limit, serverEndsAt, signedOutAt].join(" "));
}

if (dialog && typeof dialog.showModal === "function") {
  const warningMs = Number(dialog.dataset.warningSeconds) * 1000;
  const countdown = dialog.querySelector(".app-timeout-dialog__countdown");
  const announce = dialog.querySelector("[data-session-timeout-announce]");
  const heading = dialog.querySelector("#session-timeout-heading");
  const stay = dialog.querySelector("[data-session-timeout-stay]");
  const carryOn = dialog.querySelector("[data-session-timeout-continue]");
  const idleText = dialog.querySelector("[data-session-timeout-idle]");
  const absoluteText = dialog.querySelector("[data-session-timeout-absolute]");
  const absoluteAt = dialog.querySelector("[data-session-timeout-at]");
  const form = dialog.querySelector("[data-session-timeout-sign-out]");
  const next = dialog.querySelector("[data-session-timeout-next]");
  const csrf = form.querySelector("input[name=csrfmiddlewaretoken]").value;
  let endsAt = Date.now() + Number(dialog.dataset.secondsLeft) * 1000 - MARGIN_MS;
  let limit = dialog.dataset.limit;
  let serverEndsAt = dialog.dataset.endsAt;
  let lastAnnounced = null;
  let returnFocus = null;
  let signingOut = false;
  share(endsAt, limit, serverEndsAt, absoluteAt.textContent);

  // "idle": the countdown and "Stay signed in"; "absolute": the time and "Continue".
  const showLimit = (newLimit, signedOutAt) => {
    limit = newLimit;
    const absolute = limit === "absolute";
    idleText.hidden = absolute;
    stay.hidden = absolute;
    absoluteText.hidden = !absolute;
    carryOn.hidden = !absolute;
    if (signedOutAt) absoluteAt.textContent = signedOutAt;
  };

  const acknowledged = () => limit === "absolute" && stored(ACKNOWLEDGED_KEY) === serverEndsAt;

  const open = () => {
    returnFocus = document.activeElement;
    lastAnnounced = null;
    dialog.showModal();
    heading.focus();
  };

  const close = () => {
    dialog.close();
    announce.textContent = "";
    if (returnFocus && typeof returnFocus.focus === "function") returnFocus.focus();
  };

  const signOut = (timedOut) => {
    if (signingOut) return;
    signingOut = true;
    if (timedOut) {
      next.value = limit === "absolute" ? next.dataset.timedOutAbsolute : next.dataset.timedOut;
    }
    form.submit();
  };

  const tick = () => {
    const leftMs = endsAt - Date.now();
    if (leftMs <= 0) {
      signOut(true);
      return;
    }
    if (leftMs > warningMs) {
      if (dialog.open) close();
      return;
    }
    if (acknowledged()) {
      if (dialog.open) close();
      return;
    }
    if (!dialog.open) open();
    if (limit === "absolute") {
      // Said once: the time does not move, so there is no countdown to announce.
      if (lastAnnounced !== "absolute") {
        lastAnnounced = "absolute";
        announce.textContent = absoluteText.textContent.trim();
      }
      return;
    }
    const seconds = Math.ceil(leftMs / 1000);
    countdown.textContent = spoken(seconds);
    // Each minute while minutes are left, then every 20 seconds: no running commentary.
    const step = seconds > 60 ? Math.ceil(seconds / 60) : Math.ceil(seconds / 20);
    const key = seconds > 60 ? `m${step}` : `s${step}`;
    if (key !== lastAnnounced) {
      lastAnnounced = key;
      announce.textContent = `For your security, we will sign you out in ${spoken(seconds)}.`;
    }
  };

  const staySignedIn = async () => {
    stay.disabled = true;
    try {
      const response = await fetch(dialog.dataset.keepAliveUrl, {
        method: "POST",
        headers: { "X-CSRFToken": csrf, Accept: "application/json" },
        credentials: "same-origin",
        redirect: "manual",
      });
      const body = response.ok ? await response.json() : null;
      if (!body || !body.signed_in) {
        window.location.assign(next.dataset.timedOut);
        return;
      }
      endsAt = Date.now() + body.seconds_left * 1000 - MARGIN_MS;
      serverEndsAt = String(body.ends_at);
      showLimit(body.limit, body.signed_out_at);
      share(endsAt, limit, serverEndsAt, body.signed_out_at);
      if (limit === "absolute" && endsAt - Date.now() <= warningMs) {
        // Staying signed in cannot reach past the absolute limit, which is near: say so.
        lastAnnounced = null;
        heading.focus();
        tick();
        return;
      }
      close();
    } catch {
      // The portal did not answer: leave the warning up so the person can try again.
    } finally {
      stay.disabled = false;
    }
  };

  // "Continue" at the absolute limit: no more warnings for this end, in any tab.
  const continueToTheEnd = () => {
    store(ACKNOWLEDGED_KEY, serverEndsAt);
    close();
  };

  stay.addEventListener("click", staySignedIn);
  carryOn.addEventListener("click", continueToTheEnd);
  // Escape means "I'm still here", as in the HMRC pattern, not "close and let it lapse";
  // at the absolute limit, where nothing extends the session, it is "Continue".
  dialog.addEventListener("cancel", (event) => {
    event.preventDefault();
    if (limit === "absolute") continueToTheEnd();
    else staySignedIn();
  });
  // Keep Tab within the dialog (showModal makes the page inert; older browsers may not).
  dialog.addEventListener("keydown", (event) => {
    if (event.key !== "Tab") return;
    const focusable = [...dialog.querySelectorAll("button:not([disabled]):not([hidden])")];
    const first = focusable[0];
    const last = focusable[focusable.length - 1];
    if (event.shiftKey && (document.activeElement === first || document.activeElement === heading)) {
      event.preventDefault();
      last.focus();
    } else if (!event.shiftKey && document.activeElement === last) {
      event.preventDefault();
      first.focus();
    }
  });
  window.addEventListener("storage", (event) => {
    if (event.key !== STORAGE_KEY || !event.newValue) return;
    const [sharedEndsAt, sharedLimit, sharedServerEndsAt, signedOutAt] = event.newValue.split(" ");
    if (Number(sharedEndsAt) > endsAt) {
      endsAt = Number(sharedEndsAt);
      if (sharedLimit) {
        serverEndsAt = sharedServerEndsAt;
        showLimit(sharedLimit, signedOutAt);
      }
      tick();
    }
  });
  tick();
  window.setInterval(tick, 1000);
}

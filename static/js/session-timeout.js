// The timeout warning (the MOJ/HMRC pattern): SESSION_TIMEOUT_WARNING_SECONDS before an idle
// session ends, a modal dialog says so and offers "Stay signed in" (POST, extends the session
// on the server) or "Sign out". Focus moves into it and stays there; the countdown is
// announced sparingly (each minute, then every 20 seconds). When time runs out the page
// signs out and shows "You have been signed out". Other tabs of the portal hear about
// activity through localStorage, so one busy tab keeps the others from warning.

const dialog = document.getElementById("session-timeout");
const STORAGE_KEY = "partnership.sessionEndsAt";
// Sign out this far before the server would: the sign-out POST still finds the session.
const MARGIN_MS = 3000;

function spoken(seconds) {
  if (seconds >= 60) {
    const minutes = Math.ceil(seconds / 60);
    return `${minutes} minute${minutes === 1 ? "" : "s"}`;
  }
  return `${seconds} second${seconds === 1 ? "" : "s"}`;
}

function share(endsAt) {
  try {
    window.localStorage.setItem(STORAGE_KEY, String(endsAt));
  } catch {
    // Storage refused (private browsing): each tab keeps its own time.
  }
}

if (dialog && typeof dialog.showModal === "function") {
  const warningMs = Number(dialog.dataset.warningSeconds) * 1000;
  const countdown = dialog.querySelector(".app-timeout-dialog__countdown");
  const announce = dialog.querySelector("[data-session-timeout-announce]");
  const heading = dialog.querySelector("#session-timeout-heading");
  const stay = dialog.querySelector("[data-session-timeout-stay]");
  const form = dialog.querySelector("[data-session-timeout-sign-out]");
  const next = dialog.querySelector("[data-session-timeout-next]");
  const csrf = form.querySelector("input[name=csrfmiddlewaretoken]").value;
  let endsAt = Date.now() + Number(dialog.dataset.secondsLeft) * 1000 - MARGIN_MS;
  let lastAnnounced = null;
  let returnFocus = null;
  let signingOut = false;
  share(endsAt);

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
    if (timedOut) next.value = next.dataset.timedOut;
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
    if (!dialog.open) open();
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
      share(endsAt);
      close();
    } catch {
      // The portal did not answer: leave the warning up so the person can try again.
    } finally {
      stay.disabled = false;
    }
  };

  stay.addEventListener("click", staySignedIn);
  // Escape means "I'm still here", as in the HMRC pattern, not "close and let it lapse".
  dialog.addEventListener("cancel", (event) => {
    event.preventDefault();
    staySignedIn();
  });
  // Keep Tab within the dialog (showModal makes the page inert; older browsers may not).
  dialog.addEventListener("keydown", (event) => {
    if (event.key !== "Tab") return;
    const focusable = [...dialog.querySelectorAll("button:not([disabled])")];
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
    if (event.key === STORAGE_KEY && Number(event.newValue) > endsAt) {
      endsAt = Number(event.newValue);
      tick();
    }
  });
  tick();
  window.setInterval(tick, 1000);
}

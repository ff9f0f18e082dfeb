// What the page knows right now, and who wants to hear when it changes.

export const state = {
  /** The learner record as JSON (what the stateless endpoints take), or null. */
  record: null,
  /** Where the record came from: "sample Marcus Bell", "file me.yaml", "pasted text". */
  source: "",
  /** Verified badges to add to the record: [{file, holding: {badge: document}, result}]. */
  badges: [],
  /** The chosen goal: {id, title, kind, issuer} or null. */
  goal: null,
  /** Goals to compare (at most three), same shape as `goal`. */
  compare: [],
};

const listeners = new Set();

/** Call `fn(state, what)` after every change; `what` names what changed. */
export function subscribe(fn) {
  listeners.add(fn);
}

/** Merge `changes` into the state and tell every listener. */
export function update(changes, what) {
  Object.assign(state, changes);
  for (const fn of listeners) fn(state, what);
}

/** The record to evaluate: the chosen record with every verified badge travelling inline. */
export function recordWithBadges() {
  if (!state.record) return null;
  if (!state.badges.length) return state.record;
  return {
    ...state.record,
    holdings: [...(state.record.holdings || []), ...state.badges.map((b) => b.holding)],
  };
}

/** The evaluation options chosen on the page. */
export function options() {
  const asOf = document.getElementById("as-of").value;
  return {
    ...(asOf ? { as_of: asOf } : {}),
    projected: document.getElementById("projected").checked,
    include_discretionary: document.getElementById("discretionary").checked,
  };
}

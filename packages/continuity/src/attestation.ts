// Provisional test attestations (issue 5 §3-4): written by the attestations helper.
export {};

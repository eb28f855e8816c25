/**
 * SPEC (d), "does GP counter n count right now?" (AMD, mediated PMU, HO/GO
 * writable), written out row by row from the SPEC for both semantics:
 * `upstream` is the "Final upstream" column; `v4` is the Jim v2/v3 column,
 * the reading the issue fixes for v4 ("with EFER.SVME=0 the bits are
 * ignored"). The EN=0 row is expanded to every HO/GO/SVME/mode; the
 * unreachable row (HO/GO set, SVME=0, L2) is tested separately.
 */

export interface TruthRow {
  en: boolean;
  ho: boolean;
  go: boolean;
  svme: boolean;
  l2: boolean;
  upstream: boolean;
  v4: boolean;
}

function row(
  en: number,
  ho: number,
  go: number,
  svme: number,
  mode: "L1" | "L2",
  upstream: "yes" | "no",
  v4: "yes" | "no",
): TruthRow {
  return {
    en: en === 1,
    ho: ho === 1,
    go: go === 1,
    svme: svme === 1,
    l2: mode === "L2",
    upstream: upstream === "yes",
    v4: v4 === "yes",
  };
}

const enZero: TruthRow[] = [];
for (const ho of [0, 1]) {
  for (const go of [0, 1]) {
    for (const svme of [0, 1]) {
      for (const mode of svme ? ["L1", "L2"] as const : ["L1"] as const) {
        enZero.push(row(0, ho, go, svme, mode, "no", "no"));
      }
    }
  }
}

/** Every reachable row. */
export const TRUTH_TABLE: readonly TruthRow[] = [
  ...enZero, //                  EN HO GO SVME mode  upstream v4
  row(1, 0, 0, 0, "L1", "yes", "yes"),
  row(1, 0, 0, 1, "L1", "yes", "yes"),
  row(1, 0, 0, 1, "L2", "yes", "yes"),
  row(1, 0, 1, 0, "L1", "no", "yes"), // v4: bits ignored with SVME=0
  row(1, 0, 1, 1, "L1", "no", "no"), // Guest-Only in host mode
  row(1, 0, 1, 1, "L2", "yes", "yes"),
  row(1, 1, 0, 0, "L1", "no", "yes"),
  row(1, 1, 0, 1, "L1", "yes", "yes"),
  row(1, 1, 0, 1, "L2", "no", "no"), // Host-Only in guest mode
  row(1, 1, 1, 0, "L1", "no", "yes"),
  row(1, 1, 1, 1, "L1", "yes", "yes"),
  row(1, 1, 1, 1, "L2", "yes", "yes"),
];

/** The event select of a row: event 0x76, USR|OS, EN, HO (41), GO (40). */
export function eventselOf(r: TruthRow): bigint {
  return 0x30076n | (r.en ? 1n << 22n : 0n) | (r.ho ? 1n << 41n : 0n) |
    (r.go ? 1n << 40n : 0n);
}

/** A row as a readable step name. */
export function describeRow(r: TruthRow): string {
  const b = (x: boolean) => (x ? 1 : 0);
  return `EN=${b(r.en)} HO=${b(r.ho)} GO=${b(r.go)} SVME=${b(r.svme)} ${
    r.l2 ? "L2" : "L1"
  }`;
}

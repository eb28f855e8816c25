/**
 * An independent reference model for the property tests: SPEC c9 ("condensed
 * reference model") transcribed directly, with plain `bigint`s and arrays,
 * sharing no code with `core/pmu/`. It only computes what VM-entries
 * report, and models two designs: `deferred` (transitions OR the tracked
 * bitmap into the pending bits and raise KVM_REQ_PMU: the v4 patch) and
 * `none` (transitions do nothing: before the patch).
 *
 * @module
 */

const EN = 1n << 22n;
const GO = 1n << 40n;
const HO = 1n << 41n;
const SVME = 1n << 12n;
const NB = 0xf_0000_ffffn;
const ALL = (1n << 64n) - 1n;

export interface OracleConfig {
  vendor: "amd" | "intel";
  nGp: number;
  nFixed: number;
  version: number;
  perfCtrCore: boolean;
  mediated: boolean;
  guestSvm: boolean;
  semantics: "v4" | "upstream";
  design: "deferred" | "none";
}

export type OracleOp =
  | { op: "wrmsr"; msr: number; value: bigint }
  | { op: "rdmsr"; msr: number }
  | { op: "vmrun" }
  | { op: "vmexit" }
  | { op: "entry" }
  | { op: "reset" }
  | {
    op: "filter";
    action: "allow" | "deny";
    events: bigint[];
    fixedCounterBitmap?: number;
  };

/** A reported entry, in the trace output's field order. */
export interface OracleEntry {
  step: number;
  guestMode: boolean;
  svme: boolean;
  tracked: string;
  reprogramPmi: string;
  counting: string;
  eventselHw: string[];
}

const hex = (v: bigint) => "0x" + v.toString(16);

export class Oracle {
  eventsel: bigint[];
  hw: bigint[];
  efer = 0n;
  guest = false;
  pending = 0n;
  req = false;
  tracked = 0n;
  filter: { allow: boolean; keys: Set<bigint>; fixed: number } | null = null;
  fixedCtrl = 0;
  fixedHw = 0;
  globalCtrl = 0n;

  constructor(readonly c: OracleConfig) {
    this.eventsel = new Array(c.nGp).fill(0n);
    this.hw = new Array(c.nGp).fill(0n);
    if (c.version >= 2) this.globalCtrl = (1n << BigInt(c.nGp)) - 1n;
  }

  get amd(): boolean {
    return this.c.vendor === "amd";
  }

  reserved(): bigint {
    if (!this.amd) return 0xffff_ffff_0020_0000n;
    let r = 0xffff_fff0_0028_0000n;
    if (this.c.guestSvm && this.c.mediated) r &= ~(HO | GO);
    return r;
  }

  validCtrl(): bigint {
    const gp = (1n << BigInt(this.c.nGp)) - 1n;
    return gp | (((1n << BigInt(this.c.nFixed)) - 1n) << 32n);
  }

  /** c9 nestedTransition(). */
  transition(): void {
    if (this.c.design === "none") return;
    if (this.tracked === 0n) return;
    this.pending |= this.tracked;
    this.req = true;
  }

  request(mask: bigint): void {
    if (mask === 0n) return;
    this.pending |= mask;
    this.req = true;
  }

  /** Index of the GP event select `msr` names, -1 if not an event select, -2 if a counter/other PMU MSR that is valid. */
  gpEventsel(msr: number): number {
    const n = this.c.nGp;
    if (this.amd) {
      if (msr >= 0xc0010000 && msr <= 0xc0010003) {
        return msr - 0xc0010000 < n ? msr - 0xc0010000 : -1;
      }
      if (msr >= 0xc0010004 && msr <= 0xc0010007) {
        return msr - 0xc0010004 < n ? -2 : -1;
      }
      if (this.c.perfCtrCore && msr >= 0xc0010200 && msr < 0xc0010280) {
        const i = (msr - 0xc0010200) >> 1;
        if (i >= n) return -1;
        return (msr & 1) === 0 ? i : -2;
      }
      return -1;
    }
    if (msr >= 0x186 && msr < 0x186 + n) return msr - 0x186;
    if (msr >= 0xc1 && msr < 0xc1 + n) return -2;
    if (msr >= 0x309 && msr < 0x309 + this.c.nFixed) return -2;
    return -1;
  }

  /** Returns "#GP" or null. */
  wrmsr(msr: number, v: bigint): "#GP" | null {
    if (msr === 0xc0000080) {
      const valid = 0xd01n | (this.c.guestSvm ? SVME : 0n);
      if ((v & ~valid) !== 0n) return "#GP";
      // c9 wrEfer(): the written LMA (bit 10) is ignored, the old one kept.
      v = (v & ~0x400n) | (this.efer & 0x400n);
      const old = this.efer;
      this.efer = v;
      if (this.amd && ((old ^ v) & SVME) !== 0n) {
        if ((v & SVME) === 0n && this.guest) {
          this.guest = false;
          this.transition();
        }
        this.transition();
      }
      return null;
    }
    const i = this.gpEventsel(msr);
    if (i === -2) return null;
    if (i >= 0) {
      if (this.amd) v &= ~this.reserved();
      else if ((v & this.reserved()) !== 0n) return "#GP";
      if (v === this.eventsel[i]) return null;
      this.eventsel[i] = v;
      this.hw[i] = this.amd ? (v & ~HO) | GO : v;
      if (this.amd) {
        const hg = (v >> 40n) & 3n;
        const t = this.c.semantics === "v4"
          ? hg === 1n || hg === 2n
          : hg !== 0n;
        const bit = 1n << BigInt(i);
        this.tracked = t ? this.tracked | bit : this.tracked & ~bit;
      }
      this.request(1n << BigInt(i));
      return null;
    }
    if (this.c.version < 2) return "#GP";
    if (this.amd) {
      if (msr === 0xc0000301) {
        v &= this.validCtrl();
        this.request(v ^ this.globalCtrl);
        this.globalCtrl = v;
        return null;
      }
      return msr >= 0xc0000300 && msr <= 0xc0000303 ? null : "#GP";
    }
    if (msr === 0x38f) {
      if ((v & ~this.validCtrl()) !== 0n) return "#GP";
      this.request(v ^ this.globalCtrl);
      this.globalCtrl = v;
      return null;
    }
    if (msr === 0x390) return (v & ~this.validCtrl()) !== 0n ? "#GP" : null;
    if (msr === 0x38d) {
      if ((v & ~0xbbbn) !== 0n) return "#GP";
      const nv = Number(v);
      for (let f = 0; f < this.c.nFixed; f++) {
        const sh = 4 * f;
        const field = (nv >> sh) & 0xf;
        if (((this.fixedCtrl >> sh) & 0xf) === field) continue;
        this.fixedHw = (this.fixedHw & ~(0xf << sh)) | (field << sh);
        this.request(1n << BigInt(32 + f));
      }
      this.fixedCtrl = nv;
      return null;
    }
    return "#GP";
  }

  readable(msr: number): boolean {
    if (msr === 0xc0000080 || this.gpEventsel(msr) !== -1) return true;
    if (this.c.version < 2) return false;
    return this.amd
      ? msr >= 0xc0000300 && msr <= 0xc0000303
      : msr >= 0x38d && msr <= 0x390;
  }

  disabledInMode(i: number): boolean {
    if (!this.amd || !this.c.mediated) return false;
    const hg = (this.eventsel[i] >> 40n) & 3n;
    const svme = (this.efer & SVME) !== 0n;
    const wrongMode = (hg === 1n) !== this.guest;
    if (this.c.semantics === "v4") {
      return (hg === 1n || hg === 2n) && svme && wrongMode;
    }
    if (hg === 0n) return false;
    if (!svme) return true;
    return hg !== 3n && wrongMode;
  }

  locallyEnabled(i: number): boolean {
    if ((this.eventsel[i] & EN) === 0n) return false;
    if ((this.tracked & (1n << BigInt(i))) === 0n) return true;
    return !this.disabledInMode(i);
  }

  /** c7 pmc_is_globally_enabled(); c5: only the emulated path checks it. */
  runsGlobally(i: number): boolean {
    if (this.c.mediated || this.c.version < 2) return true;
    return ((this.globalCtrl >> BigInt(i)) & 1n) === 1n;
  }

  allows(i: number): boolean {
    if (this.filter === null) return true;
    const found = this.filter.keys.has(this.eventsel[i] & NB);
    return this.filter.allow ? found : !found;
  }

  entry(step: number): OracleEntry {
    if (this.req) {
      this.req = false;
      const snap = this.pending;
      this.pending = 0n;
      for (let i = 0; i < 64; i++) {
        if ((snap & (1n << BigInt(i))) === 0n) continue;
        if (i < this.c.nGp) {
          const on = this.runsGlobally(i) && this.locallyEnabled(i) &&
            this.allows(i);
          this.hw[i] = on ? this.hw[i] | EN : this.hw[i] & ~EN;
        } else if (i >= 32 && i < 32 + this.c.nFixed) {
          const f = i - 32;
          const sh = 4 * f;
          const field = (this.fixedCtrl >> sh) & 0xf;
          const listed = this.filter !== null &&
            ((this.filter.fixed >> f) & 1) === 1;
          const ok = this.runsGlobally(i) && (field & 3) !== 0 &&
            (this.filter === null || (this.filter.allow ? listed : !listed));
          this.fixedHw = (this.fixedHw & ~(0xf << sh)) | (ok ? field << sh : 0);
        }
      }
    }
    let counting = 0n;
    for (let i = 0; i < this.c.nGp; i++) {
      if ((this.hw[i] & EN) !== 0n) counting |= 1n << BigInt(i);
    }
    for (let f = 0; f < this.c.nFixed; f++) {
      if (((this.fixedHw >> (4 * f)) & 3) !== 0) {
        counting |= 1n << BigInt(32 + f);
      }
    }
    return {
      step,
      guestMode: this.guest,
      svme: (this.efer & SVME) !== 0n,
      tracked: hex(this.tracked),
      reprogramPmi: hex(this.pending),
      counting: hex(counting),
      eventselHw: this.hw.map(hex),
    };
  }

  /** Apply one op; returns an entry record, a fault, or null. */
  apply(
    op: OracleOp,
    step: number,
  ): OracleEntry | { step: number; fault: string } | null {
    switch (op.op) {
      case "wrmsr": {
        const f = this.wrmsr(op.msr, op.value);
        return f === null ? null : { step, fault: f };
      }
      case "rdmsr":
        // Values are not modelled here, only whether the read faults.
        return this.readable(op.msr) ? null : { step, fault: "#GP" };
      case "vmrun":
        // (e) 2: VMRUN in L2 is a nested #VMEXIT(VMRUN) to L1.
        if (this.guest) {
          this.guest = false;
          this.transition();
          return null;
        }
        if ((this.efer & SVME) === 0n) return { step, fault: "#UD" };
        this.guest = true;
        this.transition();
        return null;
      case "vmexit":
        if (!this.guest) return { step, fault: "#UD" };
        this.guest = false;
        this.transition();
        return null;
      case "entry":
        return this.entry(step);
      case "filter": {
        // c9 setFilter(): drop entries with bits outside EVENT|UMASK (c2).
        const keyMask = this.amd ? NB : 0xffffn;
        this.filter = {
          allow: op.action === "allow",
          keys: new Set(op.events.filter((e) => (e & ~keyMask) === 0n)),
          fixed: op.fixedCounterBitmap ?? 0,
        };
        this.request(ALL);
        return null;
      }
      case "reset": {
        // c9 init(): leave L2, EFER = 0 unchecked; the PMU stays (c8).
        if (this.guest) {
          this.guest = false;
          this.transition();
        }
        const old = this.efer;
        this.efer = 0n;
        if (this.amd && (old & SVME) !== 0n) this.transition();
        return null;
      }
    }
  }
}

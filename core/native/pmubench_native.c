// SPDX-License-Identifier: MIT
/*
 * pmubench native reference: the hot paths of the TypeScript core written
 * the way the kernel writes them, so a bench can put a figure for "what C
 * does" beside every strategy in the same process.
 *
 * Built at bench time by core/native/build.ts with the system compiler
 * (`cc -O2 -shared -fPIC`), cached by source hash under .pmubench/native/,
 * and called through Deno FFI (core/native/mod.ts). Every entry point runs
 * its batch loop here, in C: one FFI call per batch, and each returns a
 * value computed from every element (or writes memory the caller owns), so
 * the compiler cannot drop the work.
 *
 * Part 1, bitmap.h / find.h / atomic64 for nbits = 64 (one u64 per map):
 *
 * | entry point                     | kernel                              | returns (the sink)                 |
 * | ------------------------------- | ----------------------------------- | ---------------------------------- |
 * | pmb_bitmap_empty_batch          | bitmap_empty()                      | how many maps are empty            |
 * | pmb_bitmap_weight_batch         | bitmap_weight() (hweight64)         | sum of the weights                 |
 * | pmb_for_each_set_bit_batch      | for_each_set_bit()                  | sum of (bit + 1) over set bits     |
 * | pmb_find_next_bit_batch         | find_first_bit() / find_next_bit()  | sum of (bit + 1) over set bits     |
 * | pmb_bitmap_intersects_batch     | bitmap_intersects()                 | how many pairs intersect           |
 * | pmb_bitmap_or_batch             | bitmap_or(dst, a, b)                | lowest set bit of the last dst     |
 * | pmb_bitmap_andnot_batch         | bitmap_andnot(dst, a, b)            | how many results are non-empty     |
 * | pmb_bitmap_or_inplace_batch     | bitmap_or(dst, dst, src)            | lowest set bit of the last dst     |
 * | pmb_bitmap_andnot_inplace_batch | bitmap_andnot(dst, dst, src)        | lowest set bit of the last dst     |
 * | pmb_atomic64_or_batch           | atomic64_or()                       | lowest set bit of the last dst     |
 * | pmb_atomic64_or_snapshot_batch  | atomic64_or(), then handle_event 1-2| lowest set bit of the last out     |
 * | pmb_test_and_set_clear_batch    | __test_and_set_bit / __test_and_clear_bit | 2 per map when the bit was clear |
 * | pmb_bitmap_to_arr64_batch       | bitmap_to_arr64()                   | how many maps equal the probe      |
 * | pmb_bitmap_from_arr64_batch     | bitmap_from_arr64()                 | lowest set bit of the last dst     |
 * | pmb_bitmap_print_list_batch     | bitmap_print_list ("%*pbl")         | total length of the texts          |
 *
 * Part 2, the KVM x86 PMU paths of the nested-SVM Host-Only/Guest-Only
 * logic (SPEC-pmu.md c3-c9, the merged "upstream" semantics by default),
 * over struct pmb_vcpu (one flat array of u64 the caller owns):
 * kvm_pmu_handle_nested_transition() per mechanism, kvm_pmu_handle_event()
 * with the mediated reprogram_counter(), the mode check, the event-filter
 * lookup, kvm_pmu_recalc_pmc_emulation(), and amd_pmu_set_msr() for event
 * selects, with batch entry points for the benches.
 */

#include <stddef.h>
#include <stdint.h>

#define PMB_EXPORT __attribute__((visibility("default")))

/* X86_PMC_IDX_MAX: every PMU bitmap is one u64. */
#define X86_PMC_IDX_MAX 64

/* find_first_bit()'s "none": the size of the map. */
static inline uint32_t pmb_ffs64(uint64_t v)
{
	return v ? (uint32_t)__builtin_ctzll(v) : X86_PMC_IDX_MAX;
}

/* ---------------------------------------------------------------------
 * Part 1: bitmaps
 * ------------------------------------------------------------------ */

/* find_next_bit(addr, 64, offset): lowest set index >= offset, or 64. */
static inline uint32_t find_next_bit(uint64_t map, uint32_t offset)
{
	if (offset >= X86_PMC_IDX_MAX)
		return X86_PMC_IDX_MAX;
	/* The first-word mask of _find_next_bit(): drop the bits below offset. */
	return pmb_ffs64(map & (~0ULL << offset));
}

PMB_EXPORT uint32_t pmb_bitmap_empty_batch(const uint64_t *maps, uint32_t n)
{
	uint32_t acc = 0;

	for (uint32_t i = 0; i < n; i++)
		acc += maps[i] == 0; /* bitmap_empty() */
	return acc;
}

/*
 * hweight64(): the kernel patches in POPCNT where the CPU has it
 * (ALTERNATIVE on X86_FEATURE_POPCNT) and calls __sw_hweight64() otherwise;
 * do the same choice once per batch, since plain -O2 targets a CPU
 * without POPCNT.
 */
#if defined(__x86_64__)
__attribute__((target("popcnt")))
static uint32_t pmb_weight_popcnt(const uint64_t *maps, uint32_t n)
{
	uint32_t acc = 0;

	for (uint32_t i = 0; i < n; i++)
		acc += (uint32_t)__builtin_popcountll(maps[i]);
	return acc;
}
#endif

static uint32_t pmb_weight_sw(const uint64_t *maps, uint32_t n)
{
	uint32_t acc = 0;

	for (uint32_t i = 0; i < n; i++)
		acc += (uint32_t)__builtin_popcountll(maps[i]);
	return acc;
}

PMB_EXPORT uint32_t pmb_bitmap_weight_batch(const uint64_t *maps, uint32_t n)
{
#if defined(__x86_64__)
	if (__builtin_cpu_supports("popcnt"))
		return pmb_weight_popcnt(maps, n);
#endif
	return pmb_weight_sw(maps, n);
}

PMB_EXPORT uint32_t pmb_for_each_set_bit_batch(const uint64_t *maps, uint32_t n)
{
	uint32_t visited = 0;

	for (uint32_t i = 0; i < n; i++) {
		/* for_each_set_bit() for one word: isolate the lowest bit, then drop it. */
		for (uint64_t x = maps[i]; x; x &= x - 1)
			visited += (uint32_t)__builtin_ctzll(x) + 1;
	}
	return visited;
}

PMB_EXPORT uint32_t pmb_find_next_bit_batch(const uint64_t *maps, uint32_t n)
{
	uint32_t acc = 0;

	/* for_each_set_bit() spelt as kvm_pmu_handle_event() walks it. */
	for (uint32_t i = 0; i < n; i++) {
		const uint64_t m = maps[i];

		for (uint32_t b = pmb_ffs64(m); b < X86_PMC_IDX_MAX;
		     b = find_next_bit(m, b + 1))
			acc += b + 1;
	}
	return acc;
}

PMB_EXPORT uint32_t pmb_bitmap_intersects_batch(const uint64_t *a,
						 const uint64_t *b, uint32_t n)
{
	uint32_t acc = 0;

	for (uint32_t i = 0; i < n; i++)
		acc += (a[i] & b[i]) != 0; /* bitmap_intersects() */
	return acc;
}

PMB_EXPORT uint32_t pmb_bitmap_or_batch(uint64_t *dst, const uint64_t *a,
					 const uint64_t *b, uint32_t n)
{
	for (uint32_t i = 0; i < n; i++)
		dst[i] = a[i] | b[i]; /* bitmap_or(dst, a, b, 64) */
	return n ? pmb_ffs64(dst[n - 1]) : X86_PMC_IDX_MAX;
}

PMB_EXPORT uint32_t pmb_bitmap_andnot_batch(uint64_t *dst, const uint64_t *a,
					     const uint64_t *b, uint32_t n)
{
	uint32_t acc = 0;

	for (uint32_t i = 0; i < n; i++) {
		/* bitmap_andnot() returns whether the result is non-empty. */
		dst[i] = a[i] & ~b[i];
		acc += dst[i] != 0;
	}
	return acc;
}

PMB_EXPORT uint32_t pmb_bitmap_or_inplace_batch(uint64_t *dst,
						 const uint64_t *src, uint32_t n)
{
	for (uint32_t i = 0; i < n; i++)
		dst[i] |= src[i]; /* bitmap_or(dst, dst, src, 64) */
	return n ? pmb_ffs64(dst[n - 1]) : X86_PMC_IDX_MAX;
}

PMB_EXPORT uint32_t pmb_bitmap_andnot_inplace_batch(uint64_t *dst,
						     const uint64_t *src,
						     uint32_t n)
{
	for (uint32_t i = 0; i < n; i++)
		dst[i] &= ~src[i]; /* bitmap_andnot(dst, dst, src, 64) */
	return n ? pmb_ffs64(dst[n - 1]) : X86_PMC_IDX_MAX;
}

PMB_EXPORT uint32_t pmb_atomic64_or_batch(uint64_t *dst, const uint64_t *src,
					   uint32_t n)
{
	/* atomic64_or(): one locked RMW per map, as for __reprogram_pmi. */
	for (uint32_t i = 0; i < n; i++)
		__atomic_fetch_or(&dst[i], src[i], __ATOMIC_SEQ_CST);
	return n ? pmb_ffs64(dst[n - 1]) : X86_PMC_IDX_MAX;
}

PMB_EXPORT uint32_t pmb_atomic64_or_snapshot_batch(uint64_t *pending,
						    uint64_t *out,
						    const uint64_t *src,
						    uint32_t n)
{
	for (uint32_t i = 0; i < n; i++) {
		uint64_t snap;

		/* kvm_pmu_request_counters_reprogram(): atomic64_or(). */
		__atomic_fetch_or(&pending[i], src[i], __ATOMIC_SEQ_CST);
		/*
		 * kvm_pmu_handle_event() steps 1-2: copy, then clear only the
		 * snapshot, so bits set meanwhile survive.
		 */
		snap = __atomic_load_n(&pending[i], __ATOMIC_RELAXED);
		out[i] = snap;
		if (snap)
			__atomic_fetch_and(&pending[i], ~snap, __ATOMIC_SEQ_CST);
	}
	return n ? pmb_ffs64(out[n - 1]) : X86_PMC_IDX_MAX;
}

PMB_EXPORT uint32_t pmb_test_and_set_clear_batch(uint64_t *maps,
						  const uint8_t *bits,
						  uint32_t n)
{
	uint32_t acc = 0;

	for (uint32_t i = 0; i < n; i++) {
		const uint64_t m = 1ULL << (bits[i] & 63);
		uint64_t old = maps[i];

		/* __test_and_set_bit(): the bit starts clear... */
		maps[i] = old | m;
		acc += (old & m) == 0;
		/* ...and __test_and_clear_bit() restores the map. */
		old = maps[i];
		maps[i] = old & ~m;
		acc += (old & m) != 0;
	}
	return acc;
}

PMB_EXPORT uint32_t pmb_bitmap_to_arr64_batch(const uint64_t *maps,
					       uint32_t n, uint32_t probe_lo,
					       uint32_t probe_hi)
{
	const uint64_t probe = ((uint64_t)probe_hi << 32) | probe_lo;
	uint32_t acc = 0;

	/* bitmap_to_arr64() of one word is the word: compare it with a probe. */
	for (uint32_t i = 0; i < n; i++)
		acc += maps[i] == probe;
	return acc;
}

PMB_EXPORT uint32_t pmb_bitmap_from_arr64_batch(uint64_t *dst,
						 const uint64_t *values,
						 uint32_t n)
{
	for (uint32_t i = 0; i < n; i++)
		dst[i] = values[i]; /* bitmap_from_arr64() of one word */
	return n ? pmb_ffs64(dst[n - 1]) : X86_PMC_IDX_MAX;
}

/* The longest "%*pbl" text of 64 bits: "0,2,4,...,62" is 159 characters. */
#define PMB_PRINT_LIST_MAX 192

/* Decimal digits of v into buf (no terminator); returns the length. */
static uint32_t pmb_put_decimal(char *buf, uint32_t v)
{
	if (v >= 10) {
		buf[0] = (char)('0' + v / 10);
		buf[1] = (char)('0' + v % 10);
		return 2;
	}
	buf[0] = (char)('0' + v);
	return 1;
}

/*
 * bitmap_print_list(): "%*pbl", ascending decimal ranges ("0-3,32-34"),
 * written into buf (at least PMB_PRINT_LIST_MAX bytes); returns the length.
 */
static uint32_t pmb_bitmap_print_list(char *buf, uint64_t map)
{
	uint32_t len = 0;

	/* for_each_set_bitrange(): each run of ones as [first, last]. */
	while (map) {
		const uint32_t first = (uint32_t)__builtin_ctzll(map);
		const uint64_t run = map | (map - 1); /* ones from bit 0 to the run's end */
		const uint32_t end = ~run ? (uint32_t)__builtin_ctzll(~run) : 64;

		if (len)
			buf[len++] = ',';
		len += pmb_put_decimal(buf + len, first);
		if (end - 1 != first) {
			buf[len++] = '-';
			len += pmb_put_decimal(buf + len, end - 1);
		}
		map = end == 64 ? 0 : map & (~0ULL << end);
	}
	return len;
}

/*
 * text must hold PMB_PRINT_LIST_MAX bytes: each map's text overwrites the
 * previous one there (memory the caller owns, so the text is really
 * written), and the last one stays.
 */
PMB_EXPORT uint32_t pmb_bitmap_print_list_batch(const uint64_t *maps,
						 uint32_t n, char *text)
{
	uint32_t acc = 0;

	for (uint32_t i = 0; i < n; i++)
		acc += pmb_bitmap_print_list(text, maps[i]);
	return acc;
}

/* ---------------------------------------------------------------------
 * Part 2: the KVM x86 PMU paths
 * ------------------------------------------------------------------ */

#define KVM_REQ_PMU 10
#define KVM_FIXED_PMC_BASE_IDX 32
#define INTEL_FIXED_BITS_STRIDE 4
#define INTEL_FIXED_0_KERNEL (1U << 0)
#define INTEL_FIXED_0_USER (1U << 1)
#define ARCH_PERFMON_EVENTSEL_ENABLE (1ULL << 22)
#define AMD64_EVENTSEL_GUESTONLY (1ULL << 40)
#define AMD64_EVENTSEL_HOSTONLY (1ULL << 41)
#define AMD64_EVENTSEL_HOST_GUEST_MASK \
	(AMD64_EVENTSEL_HOSTONLY | AMD64_EVENTSEL_GUESTONLY)
/* AMD64_RAW_EVENT_MASK_NB: event 7:0 and 35:32, unit mask 15:8. */
#define AMD64_RAW_EVENT_MASK_NB 0xF0000FFFFULL
#define EFER_SVME (1ULL << 12)
#define KVM_PMU_EVENT_FILTER_MAX_EVENTS 300

/* kvm_pmu_handle_nested_transition() designs (core/pmu/mechanisms/). */
enum pmb_mechanism {
	PMB_MECHANISM_NONE = 0, /* before the patch */
	PMB_MECHANISM_TRACKED = 1, /* v4 4/6: early return, else OR + KVM_REQ_PMU */
	PMB_MECHANISM_ALL_BITS = 2, /* Sean's v3 review: all 64 bits + KVM_REQ_PMU */
	PMB_MECHANISM_IMMEDIATE = 3, /* Jim's v3: reprogram every GP counter now */
};

/* Readings of HO/GO (core/pmu/semantics.ts). */
enum pmb_semantics {
	PMB_SEMANTICS_UPSTREAM = 0, /* merged: track any bit; SVME=0 disables */
	PMB_SEMANTICS_V4 = 1, /* v4 [INFER]: track exactly one; SVME=0 ignores */
};

/* KVM_PMU_EVENT_ALLOW / KVM_PMU_EVENT_DENY, plus "no filter installed". */
enum pmb_filter_action {
	PMB_FILTER_NONE = 0,
	PMB_FILTER_ALLOW = 1,
	PMB_FILTER_DENY = 2,
};

/*
 * One vCPU with its PMU: the fields of struct kvm_vcpu, struct kvm_pmu and
 * the VM's event filter that the paths below read or write. Every field is
 * a u64 so the TypeScript side can hold the whole state in one
 * BigUint64Array; pmb_vcpu_layout() reports the offsets so it can check
 * its copy of this layout.
 */
struct pmb_vcpu {
	/* struct kvm_vcpu */
	uint64_t efer; /* vcpu->arch.efer */
	uint64_t is_guest_mode; /* is_guest_mode(): HF_GUEST_MASK */
	uint64_t requests; /* vcpu->requests, bit KVM_REQ_PMU */
	/* what kvm_pmu_refresh() decided */
	uint64_t is_amd;
	uint64_t mediated; /* kvm_vcpu_has_mediated_pmu() */
	uint64_t version; /* pmu->version */
	uint64_t nr_arch_gp_counters;
	uint64_t nr_arch_fixed_counters;
	uint64_t reserved_bits; /* pmu->reserved_bits */
	uint64_t semantics; /* enum pmb_semantics */
	uint64_t mechanism; /* enum pmb_mechanism */
	uint64_t instructions_key; /* kvm_pmu_eventsel.INSTRUCTIONS_RETIRED & mask */
	uint64_t branches_key; /* kvm_pmu_eventsel.BRANCH_INSTRUCTIONS_RETIRED & mask */
	/* struct kvm_pmu */
	uint64_t reprogram_pmi; /* __reprogram_pmi (atomic64_t) */
	uint64_t mode_specific; /* pmc_has_mode_specific_enables */
	uint64_t pmc_counting_instructions;
	uint64_t pmc_counting_branches;
	uint64_t pmc_in_use;
	uint64_t global_ctrl;
	uint64_t fixed_ctr_ctrl;
	uint64_t fixed_ctr_ctrl_hw;
	uint64_t eventsel[X86_PMC_IDX_MAX]; /* gp_counters[i].eventsel */
	uint64_t eventsel_hw[X86_PMC_IDX_MAX]; /* gp_counters[i].eventsel_hw */
	/* struct kvm_x86_pmu_event_filter (per VM) */
	uint64_t filter_action; /* enum pmb_filter_action */
	uint64_t fixed_counter_bitmap;
	uint64_t nevents;
	/* Masked events (AMD64_RAW_EVENT_MASK_NB), sorted for find_filter_index(). */
	uint64_t events[KVM_PMU_EVENT_FILTER_MAX_EVENTS];
};

/* The layout version the TypeScript side must agree with. */
#define PMB_VCPU_LAYOUT_VERSION 1

/*
 * Write the word offset of every field, in declaration order (arrays by
 * their first element), into out[] and return how many were written; out[]
 * must hold 32 entries. out[0] is the layout version, out[1] the size in
 * words.
 */
PMB_EXPORT uint32_t pmb_vcpu_layout(uint32_t *out)
{
#define PMB_OFF(f) ((uint32_t)(offsetof(struct pmb_vcpu, f) / sizeof(uint64_t)))
	const uint32_t offsets[] = {
		PMB_VCPU_LAYOUT_VERSION,
		(uint32_t)(sizeof(struct pmb_vcpu) / sizeof(uint64_t)),
		PMB_OFF(efer), PMB_OFF(is_guest_mode), PMB_OFF(requests),
		PMB_OFF(is_amd), PMB_OFF(mediated), PMB_OFF(version),
		PMB_OFF(nr_arch_gp_counters), PMB_OFF(nr_arch_fixed_counters),
		PMB_OFF(reserved_bits), PMB_OFF(semantics), PMB_OFF(mechanism),
		PMB_OFF(instructions_key), PMB_OFF(branches_key),
		PMB_OFF(reprogram_pmi), PMB_OFF(mode_specific),
		PMB_OFF(pmc_counting_instructions), PMB_OFF(pmc_counting_branches),
		PMB_OFF(pmc_in_use), PMB_OFF(global_ctrl), PMB_OFF(fixed_ctr_ctrl),
		PMB_OFF(fixed_ctr_ctrl_hw), PMB_OFF(eventsel), PMB_OFF(eventsel_hw),
		PMB_OFF(filter_action), PMB_OFF(fixed_counter_bitmap),
		PMB_OFF(nevents), PMB_OFF(events),
	};
#undef PMB_OFF
	const uint32_t count = sizeof(offsets) / sizeof(offsets[0]);

	for (uint32_t i = 0; i < count; i++)
		out[i] = offsets[i];
	return count;
}

static inline void kvm_make_request(uint32_t req, struct pmb_vcpu *v)
{
	v->requests |= 1ULL << req;
}

/* kvm_check_request(): consume the request, returning whether it was pending. */
static inline int kvm_check_request(uint32_t req, struct pmb_vcpu *v)
{
	if (!(v->requests & (1ULL << req)))
		return 0;
	v->requests &= ~(1ULL << req);
	return 1;
}

/* kvm_pmc_idx_to_pmc() != NULL: kvm_for_each_pmc() skips every other index. */
static inline int pmb_is_valid_pmc_idx(const struct pmb_vcpu *v, uint32_t idx)
{
	return idx < v->nr_arch_gp_counters ||
	       (idx >= KVM_FIXED_PMC_BASE_IDX &&
		idx - KVM_FIXED_PMC_BASE_IDX < v->nr_arch_fixed_counters);
}

/* HO/GO bits 41:40 as HO * 2 + GO (core/pmu/eventsel.ts hostGuestBits). */
static inline uint32_t pmb_host_guest_bits(uint64_t eventsel)
{
	return (uint32_t)(eventsel >> 40) & 3;
}

#define PMB_HG_NONE 0
#define PMB_HG_GUEST_ONLY 1
#define PMB_HG_BOTH 3

/* amd_pmu_set_msr() step 4: does a counter with these bits need tracking? */
static inline int pmb_is_tracked(const struct pmb_vcpu *v, uint32_t hg)
{
	if (v->semantics == PMB_SEMANTICS_V4)
		return hg != PMB_HG_NONE && hg != PMB_HG_BOTH;
	return hg != PMB_HG_NONE;
}

/*
 * amd_pmc_is_disabled_in_current_mode() (Intel: the op is OPTIONAL_RET0):
 * whether GP counter idx must not count with this EFER.SVME and
 * is_guest_mode(). Upstream: "If EFER.SVME=0 and either bit is set, the
 * counter is disabled"; "If EFER.SVME=1, the counter is disabled iff only
 * one of the bits is set AND the set bit doesn't match the vCPU mode".
 */
PMB_EXPORT uint32_t pmb_pmc_is_disabled_in_current_mode(const struct pmb_vcpu *v,
							 uint32_t idx)
{
	const uint64_t eventsel = v->eventsel[idx & 63];
	const uint32_t hg = pmb_host_guest_bits(eventsel);
	const int svme = (v->efer & EFER_SVME) != 0;

	if (!v->is_amd || !v->mediated)
		return 0;
	/* The kernel WARNs here when EN is clear; callers check EN first. */
	if (!(eventsel & ARCH_PERFMON_EVENTSEL_ENABLE))
		return 0;
	if (hg == PMB_HG_NONE)
		return 0;
	if (!svme)
		/* v4 [INFER]: the bits are ignored while SVME=0. */
		return v->semantics == PMB_SEMANTICS_UPSTREAM;
	if (hg == PMB_HG_BOTH)
		return 0;
	return (hg == PMB_HG_GUEST_ONLY) != (v->is_guest_mode != 0);
}

/*
 * pmc_is_locally_enabled(): a fixed counter when its FIXED_CTR_CTRL field
 * enables ring 0 or 3; a GP counter when EN is set and, if it has
 * mode-specific enables, it is not disabled in the current mode.
 */
PMB_EXPORT uint32_t pmb_pmc_is_locally_enabled(const struct pmb_vcpu *v,
						uint32_t idx)
{
	idx &= 63;
	if (idx >= v->nr_arch_gp_counters) {
		const uint64_t field =
			v->fixed_ctr_ctrl >> ((idx - KVM_FIXED_PMC_BASE_IDX) *
					      INTEL_FIXED_BITS_STRIDE);

		return (field & (INTEL_FIXED_0_KERNEL | INTEL_FIXED_0_USER)) != 0;
	}
	if (!(v->eventsel[idx] & ARCH_PERFMON_EVENTSEL_ENABLE))
		return 0;
	if (!(v->mode_specific & (1ULL << idx)))
		return 1;
	return !pmb_pmc_is_disabled_in_current_mode(v, idx);
}

/* find_filter_index(): binary search of the sorted masked events. */
static int pmb_filter_contains(const struct pmb_vcpu *v, uint64_t key)
{
	int64_t lo = 0, hi = (int64_t)v->nevents - 1;

	while (lo <= hi) {
		const int64_t mid = (lo + hi) >> 1;
		const uint64_t k = v->events[mid];

		if (k == key)
			return 1;
		if (k < key)
			lo = mid + 1;
		else
			hi = mid - 1;
	}
	return 0;
}

/* is_gp_event_allowed(): the filter's verdict on an event select. */
PMB_EXPORT uint32_t pmb_is_gp_event_allowed(const struct pmb_vcpu *v,
					     uint32_t eventsel_lo,
					     uint32_t eventsel_hi)
{
	const uint64_t eventsel = ((uint64_t)eventsel_hi << 32) | eventsel_lo;
	int found;

	if (v->filter_action == PMB_FILTER_NONE)
		return 1;
	found = pmb_filter_contains(v, eventsel & AMD64_RAW_EVENT_MASK_NB);
	return v->filter_action == PMB_FILTER_ALLOW ? found : !found;
}

/* is_fixed_event_allowed(). */
static inline int pmb_is_fixed_event_allowed(const struct pmb_vcpu *v,
					     uint32_t fixed_idx)
{
	const int listed = (v->fixed_counter_bitmap >> fixed_idx) & 1;

	if (v->filter_action == PMB_FILTER_NONE)
		return 1;
	return v->filter_action == PMB_FILTER_ALLOW ? listed : !listed;
}

/* The event of a counter, masked as pmc_is_event_match() compares it. */
static inline uint64_t pmb_event_key(const struct pmb_vcpu *v, uint32_t idx)
{
	/* Intel fixed counters count INSTRUCTIONS, CPU cycles, REF cycles. */
	static const uint64_t fixed_events[] = { 0x00c0, 0x003c, 0x0300 };

	if (idx < v->nr_arch_gp_counters)
		return v->eventsel[idx] & AMD64_RAW_EVENT_MASK_NB;
	idx -= KVM_FIXED_PMC_BASE_IDX;
	return idx < 3 ? fixed_events[idx] : ~0ULL;
}

/*
 * kvm_pmu_recalc_pmc_emulation(): clear the counter's bits in
 * pmc_counting_instructions/branches, then set them if it is locally
 * enabled and counts that event. Filters are deliberately not consulted.
 */
PMB_EXPORT void pmb_recalc_pmc_emulation(struct pmb_vcpu *v, uint32_t idx)
{
	const uint64_t bit = 1ULL << (idx & 63);
	uint64_t key;

	v->pmc_counting_instructions &= ~bit;
	v->pmc_counting_branches &= ~bit;
	if (!pmb_pmc_is_locally_enabled(v, idx))
		return;
	key = pmb_event_key(v, idx);
	if (key == v->instructions_key)
		v->pmc_counting_instructions |= bit;
	if (key == v->branches_key)
		v->pmc_counting_branches |= bit;
}

/*
 * reprogram_counter() on the mediated PMU
 * (kvm_mediated_pmu_refresh_event_filter()): eventsel_hw.EN, or the fixed
 * counter's field of fixed_ctr_ctrl_hw, = locally enabled (mode check
 * included) && the filter allows. Returns 0 (never fails here).
 */
PMB_EXPORT uint32_t pmb_reprogram_counter(struct pmb_vcpu *v, uint32_t idx)
{
	idx &= 63;
	if (idx < v->nr_arch_gp_counters) {
		const uint64_t eventsel = v->eventsel[idx];
		const int allowed = pmb_pmc_is_locally_enabled(v, idx) &&
				    pmb_is_gp_event_allowed(v, (uint32_t)eventsel,
							    (uint32_t)(eventsel >> 32));

		if (allowed)
			v->eventsel_hw[idx] |= ARCH_PERFMON_EVENTSEL_ENABLE;
		else
			v->eventsel_hw[idx] &= ~ARCH_PERFMON_EVENTSEL_ENABLE;
		return 0;
	} else {
		const uint32_t fixed_idx = idx - KVM_FIXED_PMC_BASE_IDX;
		const uint32_t shift = fixed_idx * INTEL_FIXED_BITS_STRIDE;
		const int allowed = pmb_pmc_is_locally_enabled(v, idx) &&
				    pmb_is_fixed_event_allowed(v, fixed_idx);
		const uint64_t field = (v->fixed_ctr_ctrl >> shift) & 0xf;

		v->fixed_ctr_ctrl_hw = (v->fixed_ctr_ctrl_hw & ~(0xfULL << shift)) |
				       (allowed ? field << shift : 0);
		return 0;
	}
}

/*
 * kvm_pmu_handle_event(): snapshot __reprogram_pmi and clear exactly the
 * snapshot (bits set meanwhile survive), reprogram_counter() each pending
 * counter that exists (a failure would set its bit again without a new
 * request), then kvm_pmu_recalc_pmc_emulation() for each.
 */
PMB_EXPORT void pmb_handle_event(struct pmb_vcpu *v)
{
	const uint64_t snap = __atomic_load_n(&v->reprogram_pmi, __ATOMIC_RELAXED);
	uint64_t bits;

	if (snap)
		__atomic_fetch_and(&v->reprogram_pmi, ~snap, __ATOMIC_SEQ_CST);
	/* kvm_for_each_pmc(pmu, pmc, i, bitmap) */
	for (bits = snap; bits; bits &= bits - 1) {
		const uint32_t i = (uint32_t)__builtin_ctzll(bits);

		if (!pmb_is_valid_pmc_idx(v, i))
			continue;
		if (pmb_reprogram_counter(v, i))
			__atomic_fetch_or(&v->reprogram_pmi, 1ULL << i, __ATOMIC_SEQ_CST);
	}
	for (bits = snap; bits; bits &= bits - 1) {
		const uint32_t i = (uint32_t)__builtin_ctzll(bits);

		if (pmb_is_valid_pmc_idx(v, i))
			pmb_recalc_pmc_emulation(v, i);
	}
}

/* kvm_pmu_request_counters_reprogram(): if mask is empty return; OR; request. */
static inline void kvm_pmu_request_counters_reprogram(struct pmb_vcpu *v,
						      uint64_t mask)
{
	if (!mask)
		return;
	__atomic_fetch_or(&v->reprogram_pmi, mask, __ATOMIC_SEQ_CST);
	kvm_make_request(KVM_REQ_PMU, v);
}

/* kvm_pmu_handle_nested_transition(), as each mechanism does it. */
PMB_EXPORT void pmb_handle_nested_transition(struct pmb_vcpu *v)
{
	switch (v->mechanism) {
	case PMB_MECHANISM_TRACKED:
		/* v4 4/6: the early return costs one test of a u64. */
		kvm_pmu_request_counters_reprogram(v, v->mode_specific);
		return;
	case PMB_MECHANISM_ALL_BITS:
		/* The proposal returns without a mediated PMU or with HO/GO reserved (SPEC c3). */
		if (!v->mediated ||
		    (v->reserved_bits & AMD64_EVENTSEL_HOST_GUEST_MASK))
			return;
		/* atomic64_set(&__reprogram_pmi, -1ull), as the filter ioctl does. */
		__atomic_store_n(&v->reprogram_pmi, ~0ULL, __ATOMIC_SEQ_CST);
		kvm_make_request(KVM_REQ_PMU, v);
		return;
	case PMB_MECHANISM_IMMEDIATE:
		/* Jim's v3: recompute every GP counter now, filter included. */
		/* An SVM hook (kvm_x86_ops): VMX never calls it. */
		if (!v->is_amd)
			return;
		for (uint32_t i = 0; i < v->nr_arch_gp_counters; i++) {
			if (pmb_reprogram_counter(v, i)) {
				__atomic_fetch_or(&v->reprogram_pmi, 1ULL << i,
						  __ATOMIC_SEQ_CST);
				kvm_make_request(KVM_REQ_PMU, v);
			}
			pmb_recalc_pmc_emulation(v, i);
		}
		return;
	default: /* PMB_MECHANISM_NONE */
		return;
	}
}

/* enter_guest_mode(): set HF_GUEST_MASK, then the PMU handler. */
PMB_EXPORT void pmb_enter_guest_mode(struct pmb_vcpu *v)
{
	v->is_guest_mode = 1;
	pmb_handle_nested_transition(v);
}

/* leave_guest_mode(): clear HF_GUEST_MASK, then the PMU handler. */
PMB_EXPORT void pmb_leave_guest_mode(struct pmb_vcpu *v)
{
	v->is_guest_mode = 0;
	pmb_handle_nested_transition(v);
}

/*
 * svm_set_efer() for a validated value: store EFER first, so the deferred
 * evaluation sees the new SVME; on an SVME toggle leave L2 if SVME was
 * cleared there (svm_leave_nested()), then the PMU handler.
 */
PMB_EXPORT void pmb_svm_set_efer(struct pmb_vcpu *v, uint32_t efer_lo,
				  uint32_t efer_hi)
{
	const uint64_t old = v->efer, efer = ((uint64_t)efer_hi << 32) | efer_lo;

	v->efer = efer;
	if (!((old ^ efer) & EFER_SVME))
		return;
	if (!(efer & EFER_SVME) && v->is_guest_mode)
		pmb_leave_guest_mode(v);
	pmb_handle_nested_transition(v);
}

/* VM-entry: kvm_check_request(KVM_REQ_PMU), then kvm_pmu_handle_event(). */
PMB_EXPORT uint32_t pmb_entry(struct pmb_vcpu *v)
{
	if (!kvm_check_request(KVM_REQ_PMU, v))
		return 0;
	pmb_handle_event(v);
	return 1;
}

/*
 * amd_pmu_set_msr() for event select idx: drop reserved bits silently; stop
 * if nothing changed; store eventsel and eventsel_hw = (data & ~HO) | GO
 * ("Always stuff GuestOnly=1,HostOnly=0 for mediated PMCs on AMD"); update
 * pmc_has_mode_specific_enables per the semantics (whatever EFER.SVME is);
 * kvm_pmu_request_counter_reprogram(). Returns 0 (AMD never #GPs here),
 * or 1 when idx is no GP counter.
 */
PMB_EXPORT uint32_t pmb_amd_set_eventsel(struct pmb_vcpu *v, uint32_t idx,
					  uint32_t data_lo, uint32_t data_hi)
{
	uint64_t data = ((uint64_t)data_hi << 32) | data_lo;
	const uint64_t bit = 1ULL << (idx & 63);

	if (idx >= v->nr_arch_gp_counters)
		return 1;
	v->pmc_in_use |= bit; /* kvm_pmu_mark_pmc_in_use() */
	data &= ~v->reserved_bits;
	if (data == v->eventsel[idx])
		return 0;
	v->eventsel[idx] = data;
	v->eventsel_hw[idx] = (data & ~AMD64_EVENTSEL_HOSTONLY) |
			      AMD64_EVENTSEL_GUESTONLY;
	if (pmb_is_tracked(v, pmb_host_guest_bits(data)))
		v->mode_specific |= bit;
	else
		v->mode_specific &= ~bit;
	/* kvm_pmu_request_counter_reprogram() */
	pmb_recalc_pmc_emulation(v, idx);
	__atomic_fetch_or(&v->reprogram_pmi, bit, __ATOMIC_SEQ_CST);
	kvm_make_request(KVM_REQ_PMU, v);
	return 0;
}

/* What the bench bodies sink: part of the state every path touches. */
static inline uint32_t pmb_state_digest(const struct pmb_vcpu *v)
{
	return (uint32_t)(v->requests ^ v->eventsel_hw[0] ^ v->fixed_ctr_ctrl_hw ^
			  v->efer);
}

/*
 * The "nested transition" bench body: pairs x (enter_guest_mode(),
 * leave_guest_mode()), the handler alone. Returns the state digest.
 */
PMB_EXPORT uint32_t pmb_nested_transition_batch(struct pmb_vcpu *v,
						 uint32_t pairs)
{
	for (uint32_t j = 0; j < pairs; j++) {
		pmb_enter_guest_mode(v);
		pmb_leave_guest_mode(v);
	}
	return pmb_state_digest(v);
}

/*
 * The "nested round trip" bench body: pairs x (VMRUN: enter_guest_mode()
 * and the next VM-entry; #VMEXIT: leave_guest_mode() and the next
 * VM-entry). Returns the entries that handled KVM_REQ_PMU plus the digest.
 */
PMB_EXPORT uint32_t pmb_nested_round_trip_batch(struct pmb_vcpu *v,
						 uint32_t pairs)
{
	uint32_t handled = 0;

	for (uint32_t j = 0; j < pairs; j++) {
		pmb_enter_guest_mode(v);
		handled += pmb_entry(v);
		pmb_leave_guest_mode(v);
		handled += pmb_entry(v);
	}
	return handled + pmb_state_digest(v);
}

/*
 * kvm_pmu_handle_event() alone, rounds times, each after queueing mask
 * (kvm_pmu_request_counters_reprogram()). Returns the digest.
 */
PMB_EXPORT uint32_t pmb_handle_event_batch(struct pmb_vcpu *v, uint32_t mask_lo,
					    uint32_t mask_hi, uint32_t rounds)
{
	const uint64_t mask = ((uint64_t)mask_hi << 32) | mask_lo;

	for (uint32_t r = 0; r < rounds; r++) {
		kvm_pmu_request_counters_reprogram(v, mask);
		pmb_entry(v);
	}
	return pmb_state_digest(v);
}

/*
 * The mode check over every GP counter, rounds times: how many
 * (round, counter) pairs are locally enabled.
 */
PMB_EXPORT uint32_t pmb_mode_check_batch(const struct pmb_vcpu *v,
					  uint32_t rounds)
{
	uint32_t acc = 0;

	for (uint32_t r = 0; r < rounds; r++)
		for (uint32_t i = 0; i < v->nr_arch_gp_counters; i++)
			acc += pmb_pmc_is_locally_enabled(v, i);
	return acc;
}

/*
 * The event-filter lookup of n event selects (two u32 halves each, low
 * first): how many the filter allows.
 */
PMB_EXPORT uint32_t pmb_filter_lookup_batch(const struct pmb_vcpu *v,
					     const uint32_t *eventsels,
					     uint32_t n)
{
	uint32_t acc = 0;

	for (uint32_t i = 0; i < n; i++)
		acc += pmb_is_gp_event_allowed(v, eventsels[2 * i],
					       eventsels[2 * i + 1]);
	return acc;
}

/*
 * kvm_pmu_recalc_pmc_emulation() of every counter that exists, rounds
 * times: returns the weight of both emulation bitmaps afterwards.
 */
PMB_EXPORT uint32_t pmb_recalc_emulation_batch(struct pmb_vcpu *v,
						uint32_t rounds)
{
	for (uint32_t r = 0; r < rounds; r++)
		for (uint32_t i = 0; i < X86_PMC_IDX_MAX; i++)
			if (pmb_is_valid_pmc_idx(v, i))
				pmb_recalc_pmc_emulation(v, i);
	return (uint32_t)__builtin_popcountll(v->pmc_counting_instructions) +
	       (uint32_t)__builtin_popcountll(v->pmc_counting_branches);
}

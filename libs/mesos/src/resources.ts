import type { Label, Labels, Offer, Range, ReservationInfo, Resource } from './types';

/**
 * Resource helpers: build, add and subtract scalar, range and set resources; build reservations
 * and persistent volumes; find reserved resources and volumes in offers.
 */

export function scalar(name: string, value: number, extra: Partial<Resource> = {}): Resource {
  return { name, type: 'SCALAR', scalar: { value: round(value) }, ...extra };
}

export function ranges(
  name: string,
  rs: [number, number][],
  extra: Partial<Resource> = {},
): Resource {
  return {
    name,
    type: 'RANGES',
    ranges: { range: rs.map(([begin, end]) => ({ begin, end })) },
    ...extra,
  };
}

export function set(name: string, items: string[], extra: Partial<Resource> = {}): Resource {
  return { name, type: 'SET', set: { item: [...items] }, ...extra };
}

/** Mesos keeps three decimal digits of scalars. */
export function round(v: number): number {
  return Math.round(v * 1000) / 1000;
}

/** The same quantity with no reservation and no disk info (what an UNRESERVE gives back). */
export function bare(r: Resource): Resource {
  return {
    name: r.name,
    type: r.type,
    ...(r.scalar ? { scalar: r.scalar } : {}),
    ...(r.ranges ? { ranges: r.ranges } : {}),
    ...(r.set ? { set: r.set } : {}),
  };
}

/** The same reserved disk without its persistent volume (what a DESTROY gives back). */
export function withoutVolume(r: Resource): Resource {
  const copy = structuredClone(r);
  delete copy.disk;
  return copy;
}

/** Sorted, merged, non-overlapping ranges. */
export function normalizeRanges(rs: Range[]): Range[] {
  const sorted = rs
    .map((r) => ({ begin: Number(r.begin), end: Number(r.end) }))
    .sort((a, b) => a.begin - b.begin);
  const out: Range[] = [];
  for (const r of sorted) {
    const last = out[out.length - 1];
    if (last && r.begin <= last.end + 1) last.end = Math.max(last.end, r.end);
    else out.push({ ...r });
  }
  return out;
}

export function addRanges(a: Range[], b: Range[]): Range[] {
  return normalizeRanges([...a, ...b]);
}

export function subtractRanges(a: Range[], b: Range[]): Range[] {
  let out = normalizeRanges(a);
  for (const s of normalizeRanges(b)) {
    const next: Range[] = [];
    for (const r of out) {
      if (s.end < r.begin || s.begin > r.end) next.push(r);
      else {
        if (s.begin > r.begin) next.push({ begin: r.begin, end: s.begin - 1 });
        if (s.end < r.end) next.push({ begin: s.end + 1, end: r.end });
      }
    }
    out = next;
  }
  return out;
}

export function rangesContain(outer: Range[], inner: Range[]): boolean {
  return subtractRanges(inner, outer).length === 0;
}

export function countRanges(rs: Range[]): number {
  return normalizeRanges(rs).reduce((n, r) => n + r.end - r.begin + 1, 0);
}

/** Each port of the ranges, in order. */
export function portsOf(rs: Range[]): number[] {
  const out: number[] = [];
  for (const r of normalizeRanges(rs)) for (let p = r.begin; p <= r.end; p++) out.push(p);
  return out;
}

/** Ports as compact ranges. */
export function rangesOfPorts(ports: number[]): [number, number][] {
  return normalizeRanges(ports.map((p) => ({ begin: p, end: p }))).map((r) => [r.begin, r.end]);
}

/** The reservation a resource carries (either format), or undefined when unreserved. */
export function reservationOf(r: Resource): ReservationInfo | undefined {
  if (r.reservations && r.reservations.length > 0) return r.reservations[r.reservations.length - 1];
  if (r.reservation) return { ...r.reservation, role: r.role, type: 'DYNAMIC' };
  if (r.role && r.role !== '*') return { role: r.role, type: 'STATIC' };
  return undefined;
}

export function isUnreserved(r: Resource): boolean {
  return reservationOf(r) === undefined;
}

export function isDynamicallyReserved(r: Resource, role?: string): boolean {
  const res = reservationOf(r);
  return res?.type === 'DYNAMIC' && (role === undefined || res.role === role);
}

export function labelValue(labels: Labels | undefined, key: string): string | undefined {
  return labels?.labels?.find((l: Label) => l.key === key)?.value;
}

export function labels(map: Record<string, string>): Labels {
  return { labels: Object.entries(map).map(([key, value]) => ({ key, value })) };
}

/** Identity of a resource besides its quantity: merge key for arithmetic. */
function identity(r: Resource): string {
  const res = reservationOf(r);
  return JSON.stringify([
    r.name,
    r.type,
    res?.role ?? '*',
    res?.principal ?? '',
    res?.labels?.labels ?? [],
    r.disk?.persistence?.id ?? '',
    r.disk?.volume?.container_path ?? '',
    r.revocable ? 1 : 0,
    r.shared ? 1 : 0,
  ]);
}

/** Adds resource lists, merging like resources. */
export function addResources(a: Resource[], b: Resource[]): Resource[] {
  const out = new Map<string, Resource>();
  for (const r of [...a, ...b]) {
    const key = identity(r);
    const cur = out.get(key);
    if (!cur) {
      out.set(key, structuredClone(r));
      continue;
    }
    if (r.type === 'SCALAR')
      cur.scalar = { value: round((cur.scalar?.value ?? 0) + (r.scalar?.value ?? 0)) };
    else if (r.type === 'RANGES')
      cur.ranges = { range: addRanges(cur.ranges?.range ?? [], r.ranges?.range ?? []) };
    else if (r.type === 'SET')
      cur.set = { item: [...new Set([...(cur.set?.item ?? []), ...(r.set?.item ?? [])])] };
  }
  return [...out.values()];
}

/** `a - b`; resources that end up empty are dropped. Throws if `b` is not contained in `a`. */
export function subtractResources(a: Resource[], b: Resource[]): Resource[] {
  const out = new Map<string, Resource>();
  for (const r of addResources([], a)) out.set(identity(r), r);
  for (const r of b) {
    const key = identity(r);
    const cur = out.get(key);
    if (!cur) throw new Error(`cannot subtract ${describeResource(r)}: not available`);
    if (r.type === 'SCALAR') {
      const left = round((cur.scalar?.value ?? 0) - (r.scalar?.value ?? 0));
      if (left < 0)
        throw new Error(
          `cannot subtract ${describeResource(r)}: only ${cur.scalar?.value ?? 0} available`,
        );
      if (left === 0) out.delete(key);
      else cur.scalar = { value: left };
    } else if (r.type === 'RANGES') {
      if (!rangesContain(cur.ranges?.range ?? [], r.ranges?.range ?? []))
        throw new Error(`cannot subtract ${describeResource(r)}: ranges not available`);
      const left = subtractRanges(cur.ranges?.range ?? [], r.ranges?.range ?? []);
      if (left.length === 0) out.delete(key);
      else cur.ranges = { range: left };
    } else if (r.type === 'SET') {
      const items = new Set(cur.set?.item ?? []);
      for (const i of r.set?.item ?? [])
        if (!items.delete(i))
          throw new Error(`cannot subtract ${describeResource(r)}: item ${i} not available`);
      if (items.size === 0) out.delete(key);
      else cur.set = { item: [...items] };
    }
  }
  return [...out.values()];
}

/** Whether `a` holds all of `b`. */
export function containsResources(a: Resource[], b: Resource[]): boolean {
  try {
    subtractResources(a, b);
    return true;
  } catch {
    return false;
  }
}

export function scalarSum(
  rs: Resource[],
  name: string,
  filter: (r: Resource) => boolean = () => true,
): number {
  return round(
    rs
      .filter((r) => r.name === name && r.type === 'SCALAR' && filter(r))
      .reduce((s, r) => s + (r.scalar?.value ?? 0), 0),
  );
}

export function rangesOf(
  rs: Resource[],
  name: string,
  filter: (r: Resource) => boolean = () => true,
): Range[] {
  return normalizeRanges(
    rs
      .filter((r) => r.name === name && r.type === 'RANGES' && filter(r))
      .flatMap((r) => r.ranges?.range ?? []),
  );
}

export function describeResource(r: Resource): string {
  const res = reservationOf(r);
  const value =
    r.type === 'SCALAR'
      ? String(r.scalar?.value)
      : r.type === 'RANGES'
        ? `[${(r.ranges?.range ?? []).map((x) => `${x.begin}-${x.end}`).join(',')}]`
        : `{${(r.set?.item ?? []).join(',')}}`;
  return `${r.name}(${res?.role ?? '*'}${r.disk?.persistence ? `, volume ${r.disk.persistence.id}` : ''}):${value}`;
}

export interface ReservationOptions {
  role: string;
  principal?: string;
  labels?: Record<string, string>;
  /** Use the refined-reservation format (`reservations`, for RESERVATION_REFINEMENT frameworks). */
  refined?: boolean;
}

/** The same resources, dynamically reserved for a role with a principal and labels. */
export function reserve(rs: Resource[], o: ReservationOptions): Resource[] {
  return rs.map((r) => {
    const copy: Resource = {
      name: r.name,
      type: r.type,
      ...(r.scalar ? { scalar: r.scalar } : {}),
      ...(r.ranges ? { ranges: r.ranges } : {}),
      ...(r.set ? { set: r.set } : {}),
    };
    const info: ReservationInfo = {
      ...(o.principal ? { principal: o.principal } : {}),
      ...(o.labels ? { labels: labels(o.labels) } : {}),
    };
    if (o.refined) return { ...copy, reservations: [{ type: 'DYNAMIC', role: o.role, ...info }] };
    return { ...copy, role: o.role, reservation: info };
  });
}

/** A persistent volume made of reserved disk. */
export function persistentVolume(
  reservedDisk: Resource,
  persistenceId: string,
  containerPath: string,
  principal?: string,
): Resource {
  return {
    ...structuredClone(reservedDisk),
    disk: {
      persistence: { id: persistenceId, ...(principal ? { principal } : {}) },
      volume: { mode: 'RW', container_path: containerPath },
    },
  };
}

/** Resources of an offer reserved for `role` whose reservation carries `label = value`. */
export function reservedWithLabel(
  offer: Offer,
  role: string,
  label: string,
  value: string,
): Resource[] {
  return (offer.resources ?? []).filter((r) => {
    const res = reservationOf(r);
    return res?.type === 'DYNAMIC' && res.role === role && labelValue(res.labels, label) === value;
  });
}

/** The persistent volume with this persistence id in an offer, if offered. */
export function findVolume(offer: Offer, persistenceId: string): Resource | undefined {
  return (offer.resources ?? []).find((r) => r.disk?.persistence?.id === persistenceId);
}

/** Unreserved (or statically reserved for `role`) resources of an offer, without volumes. */
export function unreservedOf(offer: Offer, role?: string): Resource[] {
  return (offer.resources ?? []).filter((r) => {
    if (r.disk?.persistence) return false;
    const res = reservationOf(r);
    return res === undefined || (role !== undefined && res.type === 'STATIC' && res.role === role);
  });
}

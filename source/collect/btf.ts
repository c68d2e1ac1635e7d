/**
 * Reads the kernel's own type information (/sys/kernel/btf/vmlinux) to answer two questions the
 * capture program depends on: which members a struct has, and at which byte offset. One read of
 * the file (a few MB, tens of milliseconds) answers every question, where asking bpftrace costs a
 * process start per struct.
 *
 * Format: a header (magic 0xeb9f, little-endian here), then a type section of variable-length
 * records (12-byte common part + a kind-specific trailer) and a string section. Type ids count
 * from 1 in file order.
 */
import { readFile } from 'node:fs/promises';

/** The BTF kinds read here (btf.h: BTF_KIND_*). */
const KIND = {
  INT: 1,
  ARRAY: 3,
  STRUCT: 4,
  UNION: 5,
  ENUM: 6,
  TYPEDEF: 8,
  VOLATILE: 9,
  CONST: 10,
  RESTRICT: 11,
  FUNC_PROTO: 13,
  VAR: 14,
  DATASEC: 15,
  DECL_TAG: 17,
  TYPE_TAG: 18,
  ENUM64: 19,
} as const;

/** Kinds that only qualify or rename another type (followed when looking into an anonymous member). */
const QUALIFIERS = new Set<number>([
  KIND.TYPEDEF,
  KIND.VOLATILE,
  KIND.CONST,
  KIND.RESTRICT,
  KIND.TYPE_TAG,
]);

export interface BtfMember {
  name: string;
  /** Byte offset from the start of the outermost struct (anonymous members flattened). */
  offset: number;
}

export class Btf {
  private readonly buf: Buffer;
  private readonly strBase: number;
  /** Buffer position of each type's record, by type id (index 0 unused: void). */
  private readonly at: number[] = [0];
  private readonly structsByName = new Map<string, number[]>();

  constructor(buf: Buffer) {
    if (buf.length < 24 || buf.readUInt16LE(0) !== 0xeb9f) {
      throw new Error('not little-endian BTF data');
    }
    this.buf = buf;
    const hdrLen = buf.readUInt32LE(4);
    const typeStart = hdrLen + buf.readUInt32LE(8);
    const typeEnd = typeStart + buf.readUInt32LE(12);
    this.strBase = hdrLen + buf.readUInt32LE(16);
    if (typeEnd > buf.length || this.strBase > buf.length) throw new Error('truncated BTF data');
    let p = typeStart;
    while (p + 12 <= typeEnd) {
      const info = buf.readUInt32LE(p + 4);
      const kind = (info >>> 24) & 0x1f;
      const vlen = info & 0xffff;
      const id = this.at.length;
      this.at.push(p);
      if ((kind === KIND.STRUCT || kind === KIND.UNION) && vlen > 0) {
        const name = this.str(buf.readUInt32LE(p));
        if (name) {
          const ids = this.structsByName.get(name);
          if (ids) ids.push(id);
          else this.structsByName.set(name, [id]);
        }
      }
      p += 12 + trailer(kind, vlen);
    }
  }

  static async load(path = '/sys/kernel/btf/vmlinux'): Promise<Btf> {
    return new Btf(await readFile(path));
  }

  private str(off: number): string {
    const s = this.strBase + off;
    const end = this.buf.indexOf(0, s);
    return this.buf.toString('latin1', s, end < 0 ? this.buf.length : end);
  }

  private kindOf(id: number): number {
    return (this.buf.readUInt32LE(this.at[id] + 4) >>> 24) & 0x1f;
  }

  private strip(id: number): number {
    let t = id;
    for (let guard = 0; t > 0 && t < this.at.length && guard < 32; guard++) {
      if (!QUALIFIERS.has(this.kindOf(t))) return t;
      t = this.buf.readUInt32LE(this.at[t] + 8);
    }
    return t;
  }

  /** Every named member of `struct name` (members of anonymous structs and unions included). */
  members(name: string, kind: 'struct' | 'union' = 'struct'): BtfMember[] | undefined {
    const want = kind === 'struct' ? KIND.STRUCT : KIND.UNION;
    const id = this.structsByName.get(name)?.find((t) => this.kindOf(t) === want);
    if (id === undefined) return undefined;
    const out: BtfMember[] = [];
    this.collect(id, 0, out, 0);
    return out;
  }

  private collect(id: number, base: number, out: BtfMember[], depth: number): void {
    const p = this.at[id];
    const info = this.buf.readUInt32LE(p + 4);
    const vlen = info & 0xffff;
    const bitfields = info >>> 31 === 1;
    for (let i = 0; i < vlen; i++) {
      const m = p + 12 + i * 12;
      const name = this.str(this.buf.readUInt32LE(m));
      const raw = this.buf.readUInt32LE(m + 8);
      const bits = bitfields ? raw & 0xffffff : raw;
      const offset = base + Math.floor(bits / 8);
      if (name) {
        out.push({ name, offset });
      } else if (depth < 8) {
        const t = this.strip(this.buf.readUInt32LE(m + 4));
        const k = t > 0 ? this.kindOf(t) : 0;
        if (k === KIND.STRUCT || k === KIND.UNION) this.collect(t, offset, out, depth + 1);
      }
    }
  }

  /** Whether `struct name` exists with every listed member. */
  has(name: string, members: readonly string[]): boolean {
    const all = this.members(name);
    if (!all) return false;
    return members.every((want) => all.some((m) => m.name === want));
  }

  /**
   * The value of the enumerator `name` (of any enum, 32-bit: `REQ_F_APOLL_MULTISHOT_BIT`), or
   * undefined. One pass over the types: asked once per capture.
   */
  enumValue(name: string): number | undefined {
    for (let id = 1; id < this.at.length; id++) {
      if (this.kindOf(id) !== KIND.ENUM) continue;
      const p = this.at[id];
      const vlen = this.buf.readUInt32LE(p + 4) & 0xffff;
      for (let i = 0; i < vlen; i++) {
        const e = p + 12 + i * 8;
        if (this.str(this.buf.readUInt32LE(e)) === name) return this.buf.readInt32LE(e + 4);
      }
    }
    return undefined;
  }

  /** offsetof(struct name, member), or undefined. */
  offsetOf(name: string, member: string): number | undefined {
    return this.members(name)?.find((m) => m.name === member)?.offset;
  }
}

function trailer(kind: number, vlen: number): number {
  switch (kind) {
    case KIND.INT:
    case KIND.VAR:
    case KIND.DECL_TAG:
      return 4;
    case KIND.ARRAY:
      return 12;
    case KIND.STRUCT:
    case KIND.UNION:
    case KIND.ENUM64:
      return 12 * vlen;
    case KIND.ENUM:
    case KIND.FUNC_PROTO:
      return 8 * vlen;
    case KIND.DATASEC:
      return 12 * vlen;
    default:
      return 0;
  }
}

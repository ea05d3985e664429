/** Names ↔ dense ids, in insertion order. */
export class Vocabulary {
  private readonly ids = new Map<string, number>();
  private readonly list: string[] = [];

  constructor(names: Iterable<string> = []) {
    for (const n of names) this.add(n);
  }

  get size(): number {
    return this.list.length;
  }

  get names(): readonly string[] {
    return this.list;
  }

  /** The id of `name`, adding it when new. */
  add(name: string): number {
    const known = this.ids.get(name);
    if (known !== undefined) return known;
    this.ids.set(name, this.list.length);
    this.list.push(name);
    return this.list.length - 1;
  }

  id(name: string): number | undefined {
    return this.ids.get(name);
  }

  name(id: number): string {
    const n = this.list[id];
    if (n === undefined) throw new RangeError(`no name with id ${id} (size ${this.list.length})`);
    return n;
  }
}

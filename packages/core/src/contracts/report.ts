/**
 * A contribution point for `kt report`: a plugin adds sections about its own runs (sample
 * translations beside references, a confusion table, image grids …) without the report knowing
 * the plugin. Sections are data, not HTML: the report renders and escapes them, so a contribution
 * cannot break the page.
 */
export const ReportContribution = Symbol('ReportContribution');

/** A table: header cells and rows of text cells. */
export interface ReportTable {
  kind: 'table';
  headers: string[];
  rows: string[][];
  /** Shown under the table. */
  caption?: string;
}

/** A paragraph of plain text. */
export interface ReportText {
  kind: 'text';
  text: string;
}

/** Images (e.g. PNG grids) inlined as data URIs. */
export interface ReportImages {
  kind: 'images';
  images: { caption: string; dataUri: string }[];
}

export type ReportBlock = ReportTable | ReportText | ReportImages;

export interface ReportSection {
  title: string;
  blocks: ReportBlock[];
}

/** What a contribution gets of one run directory as read back. */
export interface ReportRun {
  /** Absolute run directory (its `artifacts/` holds what the task wrote). */
  dir: string;
  /** The directory's name. */
  id: string;
  /** The resolved config (config.json), when readable. */
  config?: Record<string, unknown>;
}

export interface ReportContribution {
  /** The plugin whose runs this describes (matches `config.plugin`). */
  readonly plugin: string;
  /** Sections for one run of that plugin (none when it has nothing to show). */
  sections(run: ReportRun): ReportSection[];
}

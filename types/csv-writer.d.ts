// csv-writer's package.json points "types" at raw .ts sources, which a strict build rejects
// (skipLibCheck does not cover .ts files). tsconfig "paths" maps the package here instead;
// this declares the part of its API that iouringtop uses.
export interface CsvStringifier<T> {
  getHeaderString(): string | null;
  stringifyRecords(records: T[]): string;
}
export declare function createArrayCsvStringifier(params: {
  header?: string[];
  fieldDelimiter?: string;
  recordDelimiter?: string;
  alwaysQuote?: boolean;
}): CsvStringifier<unknown[]>;

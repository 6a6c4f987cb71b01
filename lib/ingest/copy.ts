// Rows in the text format of Postgres's COPY (https://www.postgresql.org/docs/current/sql-copy.html#id-1.9.3.55.9.2):
// one line per row, columns separated by tabs, \N for null, and backslash, newline, carriage return and tab
// escaped with a backslash. The ingest writer streams its rows this way on Postgres: COPY parses text where an
// insert from a JSON document parses the document, then each of its values again.

const SPECIAL = /[\\\n\r\t]/;
const SPECIALS = /[\\\n\r\t]/g;
const ESCAPES: Record<string, string> = { "\\": "\\\\", "\n": "\\n", "\r": "\\r", "\t": "\\t" };

function escaped(text: string): string {
  return SPECIAL.test(text) ? text.replace(SPECIALS, (c) => ESCAPES[c]!) : text;
}

/** Rows per chunk of COPY text: each chunk is sent before the next is made. */
const CHUNK_ROWS = 500;

/** `rows` as COPY text of `columns`, in their order, in chunks of whole rows; each row's values are read by column name. */
export function* copyText<Row extends object>(
  rows: Row[],
  columns: readonly { name: string; type: string }[],
): Generator<string> {
  const names = columns.map(({ name }) => name);
  const json = columns.map(({ type }) => type === "jsonb" || type === "json");
  // neighbouring rows share objects (the attributes of their resource, their scope): written out once per run
  const lastValue: unknown[] = new Array(names.length);
  const lastText: string[] = new Array(names.length);
  /** a json column's value: JSON text, whose only character COPY escapes is the backslash */
  const jsonField = (value: unknown, i: number): string => {
    if (typeof value !== "object" || value === null) return escaped(JSON.stringify(value));
    if (Array.isArray(value) && value.length === 0) return "[]";
    if (lastValue[i] === value) return lastText[i]!;
    let text = JSON.stringify(value);
    if (text.includes("\\")) text = text.replaceAll("\\", "\\\\");
    lastValue[i] = value;
    lastText[i] = text;
    return text;
  };
  let lines: string[] = [];
  for (let r = 0; r < rows.length; r++) {
    const values = rows[r] as Record<string, unknown>;
    let line = "";
    for (let i = 0; i < names.length; i++) {
      const value = values[names[i]!];
      const text =
        value === null || value === undefined
          ? "\\N"
          : json[i]
            ? jsonField(value, i)
            : typeof value === "string"
              ? escaped(value)
              : typeof value === "number" || typeof value === "bigint"
                ? String(value)
                : typeof value === "boolean"
                  ? value
                    ? "t"
                    : "f"
                  : unsupported(value);
      line = i === 0 ? text : `${line}\t${text}`;
    }
    lines.push(line);
    if (lines.length === CHUNK_ROWS || r === rows.length - 1) {
      lines.push("");
      yield lines.join("\n");
      lines = [];
    }
  }
}

function unsupported(value: unknown): never {
  throw new Error(`a ${typeof value} cannot be copied into a column that is not json`);
}

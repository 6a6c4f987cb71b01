import { attributeType, BYTES_TAG, DOUBLE_TAG, INT_TAG } from "@/lib/model/attributes";

/** A stored attribute value as text, with its OpenTelemetry type's tag taken off. */
export function attributeText(value: unknown): string {
  if (typeof value === "string") return value;
  if (value !== null && typeof value === "object" && !Array.isArray(value)) {
    const record = value as Record<string, unknown>;
    for (const tag of [INT_TAG, DOUBLE_TAG, BYTES_TAG])
      if (tag in record && Object.keys(record).length === 1) return String(record[tag]);
  }
  return JSON.stringify(value);
}

/** Attributes as a key / type / value table; values are text, never markup. */
export function AttributeTable({ attributes, label }: { attributes: Record<string, unknown>; label: string }) {
  const entries = Object.entries(attributes).sort(([a], [b]) => a.localeCompare(b));
  if (entries.length === 0) return <p className="text-xs text-zinc-500">None.</p>;
  return (
    <table aria-label={label} className="w-full table-fixed text-xs">
      <tbody>
        {entries.map(([key, value]) => (
          <tr key={key} className="border-t border-zinc-100 align-top dark:border-zinc-800">
            <th scope="row" className="w-2/5 break-words py-1 pr-2 text-left font-normal text-zinc-500">
              {key}
            </th>
            <td className="w-12 py-1 pr-2">
              <span className="rounded bg-zinc-100 px-1 font-mono text-[10px] text-zinc-600 dark:bg-zinc-800 dark:text-zinc-300">
                {attributeType(value)}
              </span>
            </td>
            <td className="break-words py-1 font-mono whitespace-pre-wrap">{attributeText(value)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

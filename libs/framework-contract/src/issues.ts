import type { z } from 'zod';

/**
 * A schema's complaints in one line: `path: message` for each issue, `; ` between them, `root`
 * standing for the value itself (e.g. `Zookeepers: …; HTTPPort: …`).
 */
export function formatIssues(error: z.ZodError, root = '(root)'): string {
  return error.issues.map((i) => `${i.path.join('.') || root}: ${i.message}`).join('; ');
}

/** A JSON object (not an array, not null), for reading keys of a value that failed its schema. */
export function isJsonObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

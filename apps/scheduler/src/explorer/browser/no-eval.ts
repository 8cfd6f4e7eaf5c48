/**
 * The page's Content-Security-Policy allows no eval: zod is told not to probe for its
 * eval-compiled parsers (Firefox reports every refused probe as an error of the page). Imported
 * first by client.ts, so it runs before any schema parses.
 */
import { z } from 'zod';

z.config({ jitless: true });

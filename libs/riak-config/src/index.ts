import { validateAdvancedConfig } from './erlang-terms';
import type { NodeSettings } from './riak-conf';
import {
  applyControlledSettings,
  controlledSettings,
  parseRiakConf,
  serializeRiakConf,
} from './riak-conf';
import type { TemplateVars } from './template';
import { SAMPLE_VARS, convertGoTemplates, render } from './template';

export {
  TEMPLATE_VARIABLES,
  SAMPLE_VARS,
  TemplateError,
  checkVariables,
  convertGoTemplates,
  render,
  scanTags,
} from './template';
export type { TemplateVars } from './template';
export {
  CONTROLLED_HEADER,
  applyControlledSettings,
  controlledSettings,
  getSetting,
  parseRiakConf,
  serializeRiakConf,
  templateSetsKey,
} from './riak-conf';
export type { ConfLine, NodeSettings, RiakConf } from './riak-conf';
export { parseErlangTerms, validateAdvancedConfig } from './erlang-terms';
export {
  applyAdvancedSettings,
  mergeAdvancedConfig,
  formatErlangTerm,
  atom,
  int,
  str,
  tuple,
} from './advanced-config';
export type { AdvancedSettings } from './advanced-config';
export type { Term } from './erlang-terms';
export { DEFAULT_TEMPLATES, defaultTemplates } from './defaults';
export type { DefaultTemplates } from './defaults';

/**
 * Checks a riak.conf template when it is stored: known variables only, every line a comment or
 * `key = value`. Throws TemplateError with the line, column and variable.
 */
export function validateRiakConfTemplate(template: string): void {
  parseRiakConf(render(template, SAMPLE_VARS));
}

/** Checks an advanced.config template when it is stored: known variables, valid Erlang terms of the right shape. */
export function validateAdvancedConfigTemplate(template: string): void {
  validateAdvancedConfig(render(template, SAMPLE_VARS));
}

/** Renders a node's riak.conf: the template with the node's values, then the controlled settings. */
export function renderRiakConf(template: string, vars: TemplateVars, node: NodeSettings): string {
  return serializeRiakConf(
    applyControlledSettings(parseRiakConf(render(template, vars)), controlledSettings(node)),
  );
}

/** Renders a node's advanced.config and checks it would load. */
export function renderAdvancedConfig(template: string, vars: TemplateVars): string {
  const text = render(template, vars);
  validateAdvancedConfig(text);
  return text;
}

export { convertGoTemplates as mustachify };

// oidc-provider passes some pages a ready-made HTML form. We never insert that markup: we read its
// action and hidden fields and render our own form with escaped values.

export interface EngineForm {
  action: string;
  fields: Record<string, string>;
}

const ENTITIES: Record<string, string> = {
  '&amp;': '&',
  '&lt;': '<',
  '&gt;': '>',
  '&quot;': '"',
  '&#39;': "'",
  '&#x27;': "'",
};

function unescape(value: string): string {
  return value.replace(/&(amp|lt|gt|quot|#39|#x27);/g, (entity) => ENTITIES[entity] ?? entity);
}

/** The action and hidden inputs of an engine-made form. */
export function parseEngineForm(html: string): EngineForm {
  const action = /<form\b[^>]*\baction="([^"]*)"/.exec(html)?.[1];
  if (action === undefined) throw new Error('engine form without an action');
  const fields: Record<string, string> = {};
  for (const input of html.matchAll(/<input\b[^>]*>/g)) {
    const tag = input[0];
    if (!/\btype="hidden"/.test(tag)) continue;
    const name = /\bname="([^"]*)"/.exec(tag)?.[1];
    const value = /\bvalue="([^"]*)"/.exec(tag)?.[1];
    if (name !== undefined) fields[unescape(name)] = unescape(value ?? '');
  }
  return { action: unescape(action), fields };
}

// Reading a MongoDB connection string without ever repeating its credentials: the target shown in
// errors and logs, the database it names, and the secrets to scrub from driver messages.

/** What the store needs to know about a connection string. */
export interface MongoUriInfo {
  /** Scheme, hosts and database, without credentials or options: safe for logs and errors. */
  readonly target: string;
  /** The database named in the URI's path, if any. */
  readonly dbName: string | undefined;
  /** Whether the URI sets `serverSelectionTimeoutMS` itself (then the URI wins over our default). */
  readonly setsServerSelectionTimeout: boolean;
  /** The connection options the URI sets itself, lower-cased (the URI wins over our defaults). */
  readonly options: ReadonlySet<string>;
  /** Strings that must never appear in a message: the user-info part and the password. */
  readonly secrets: readonly string[];
}

/** Splits `uri` into a safe description and its secrets; never throws, whatever the input. */
export function inspectMongoUri(uri: string): MongoUriInfo {
  const schemeEnd = uri.indexOf('://');
  if (schemeEnd < 0) {
    return {
      target: '(unparseable MongoDB URI)',
      dbName: undefined,
      setsServerSelectionTimeout: false,
      options: new Set(),
      secrets: [uri],
    };
  }
  const scheme = uri.slice(0, schemeEnd + 3);
  const afterScheme = uri.slice(schemeEnd + 3);
  // The user-info part ends at the last '@': hosts never contain one, passwords might (unescaped).
  const at = afterScheme.lastIndexOf('@');
  const userInfo = at >= 0 ? afterScheme.slice(0, at) : '';
  const rest = at >= 0 ? afterScheme.slice(at + 1) : afterScheme;
  const hostsEnd = rest.search(/[/?#]/);
  const hosts = hostsEnd < 0 ? rest : rest.slice(0, hostsEnd);
  const afterHosts = hostsEnd < 0 ? '' : rest.slice(hostsEnd);
  const path = /^\/([^?#]*)/.exec(afterHosts)?.[1] ?? '';
  const query = /\?([^#]*)/.exec(afterHosts)?.[1] ?? '';
  const dbName = path === '' ? undefined : safeDecode(path);
  const options = new Set(
    query
      .split('&')
      .map((pair) => pair.split('=')[0]?.toLowerCase() ?? '')
      .filter(Boolean),
  );
  return {
    target: `${scheme}${hosts}${dbName === undefined ? '' : `/${dbName}`}`,
    dbName,
    setsServerSelectionTimeout: options.has('serverselectiontimeoutms'),
    options,
    secrets: secretsOf(userInfo),
  };
}

/** `text` with every secret of the URI, and any credentials in a mongodb:// URL, replaced. */
export function redact(text: string, info: MongoUriInfo): string {
  let clean = text.replace(/(mongodb(?:\+srv)?:\/\/)[^\s/]*@/gi, '$1***@');
  for (const secret of info.secrets) clean = clean.split(secret).join('***');
  return clean;
}

// The user-info part and the password, raw and percent-decoded, longest first.
function secretsOf(userInfo: string): string[] {
  if (userInfo === '') return [];
  const colon = userInfo.indexOf(':');
  const password = colon >= 0 ? userInfo.slice(colon + 1) : '';
  const candidates = [userInfo, safeDecode(userInfo), password, safeDecode(password)];
  return [...new Set(candidates.filter((s) => s !== ''))].sort((a, b) => b.length - a.length);
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

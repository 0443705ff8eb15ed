// The Lambda entry point (`index.handler`): the authorizer configured from its environment, made
// once per container so the discovery and JWKS cache survives between invocations.
import { authorizerFromEnvironment } from './authorizer.ts';

let authorizer: ReturnType<typeof authorizerFromEnvironment> | undefined;

export const handler: ReturnType<typeof authorizerFromEnvironment> = (event) =>
  (authorizer ??= authorizerFromEnvironment(process.env))(event);

// Where the pages people use by themselves live, relative to the issuer: the pages
// (interactions/password-reset.ts, interactions/registration.ts) serve them, the mails link to them.

/** The paths of the password-reset and registration pages. */
export const PEOPLE_PATHS = {
  forgot: '/password/forgot',
  reset: '/password/reset',
  register: '/register',
  verify: '/register/verify',
} as const;

/** Slow password hashing (bcrypt); kept behind a port so the domain never imports a crypto library. */
export interface PasswordHasher {
  hash(password: string): Promise<string>;
  /** Constant-time comparison of a password with a stored hash. */
  verify(password: string, hash: string): Promise<boolean>;
}

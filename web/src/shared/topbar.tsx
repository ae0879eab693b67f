import type { ComponentChildren, RefObject } from 'preact';
import type { StaffUser } from './types';
import { Button } from './ui';

/**
 * The skip link and the bar across the top of the staff pages (desk and admin console): brand,
 * main navigation, who is signed in and Sign out.
 */
export function TopBar({
  brand,
  user,
  signOut,
  mainRef,
  children,
}: {
  brand: string;
  user: StaffUser;
  signOut: () => Promise<void>;
  mainRef: RefObject<HTMLElement | null>;
  children: ComponentChildren;
}) {
  return (
    <>
      <a
        class="skip-link"
        href="#main"
        onClick={(e) => {
          // Views live in the hash: focus the content instead of navigating to "#main".
          e.preventDefault();
          mainRef.current?.focus();
        }}
      >
        Skip to the main content
      </a>
      <header class="topbar">
        <a class="brand" href="#/">
          <img src="/favicon.svg" alt="" width={28} height={28} />
          {brand}
        </a>
        <nav aria-label="Main">{children}</nav>
        <div class="who">
          <span class="muted small">Signed in as {user.email}</span>
          <Button variant="plain" onClick={() => void signOut()}>
            Sign out
          </Button>
        </div>
      </header>
    </>
  );
}

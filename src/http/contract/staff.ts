import { Type, type Static } from '@sinclair/typebox';
import { Choice, IsoTime, Nullable } from './common.js';
import { ClassCounts } from './classes.js';

/** Signing in, the e-safety reminder, and what waits for a teacher. */

export const Role = Choice(['teacher', 'admin']);
export const StaffUser = Type.Object({ id: Type.String(), email: Type.String(), role: Role });

export const LoginAnswer = Type.Object({
  user: StaffUser,
  reminder: Type.String({ description: 'the e-safety reminder to read and acknowledge' }),
  reminderVersion: Type.Integer(),
  mustChangePassword: Type.Boolean({ description: 'a temporary password: choose a new one before anything else' }),
});
export const Me = Type.Object({
  user: StaffUser,
  reminder: Type.String(),
  reminderVersion: Type.Integer(),
  reminderAcknowledged: Type.Boolean(),
});
export const Acknowledged = Type.Object({ acknowledged: Type.Literal(true), version: Type.Integer() });
export const SignedOut = Type.Object({ signedOut: Type.Literal(true) });
export const PasswordChanged = Type.Object({ changed: Type.Literal(true), otherSessionsEnded: Type.Literal(true) });

/** The ways in the sign-in page offers, and the sentence for a refused school-account sign-in. */
export const SignInMethods = Type.Object({
  password: Type.Boolean(),
  schoolAccount: Nullable(Type.Object({ label: Type.String(), start: Type.String() })),
  refusal: Nullable(Type.Object({ code: Type.String(), message: Type.String() })),
});

/** What the desk's banner and counts show. */
export const Attention = Type.Object({
  classes: Type.Array(Type.Object({ id: Type.String(), name: Type.String(), counts: ClassCounts })),
  reported: Type.Array(
    Type.Object({
      id: Type.String(),
      title: Type.String(),
      classId: Type.String(),
      className: Type.String(),
      playlistId: Type.String(),
      reportedAt: Nullable(IsoTime),
      fromBoard: Type.Boolean(),
      note: Type.String(),
    }),
  ),
});

export type StaffUser = Static<typeof StaffUser>;
export type LoginAnswer = Static<typeof LoginAnswer>;
export type Me = Static<typeof Me>;
export type SignInMethods = Static<typeof SignInMethods>;
export type Attention = Static<typeof Attention>;

"""The second factor: TOTP enrolment, recovery codes, sign-in challenges, and companies that require it."""

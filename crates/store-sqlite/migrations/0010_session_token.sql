-- A browser session belongs to the API token it was signed in with, and ends with it:
-- reading a session joins its token and finds nothing once the token is revoked (and the
-- app ends it when the token expires). Sessions from before this column have no token and
-- so no longer sign anyone in: their people sign in again.
ALTER TABLE sessions ADD COLUMN token_id TEXT;

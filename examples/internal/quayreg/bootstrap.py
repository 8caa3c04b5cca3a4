"""Start serve.py (beside this file) with the production app's 429 answer to throttled logins.

Usage: python bootstrap.py SERVE_PY [serve.py arguments...]

Quay throttles an account after a failed login (data/model/user.py,
verify_user: exponential backoff 0.5 s, 1.5 s, 3.5 s, ...) by raising
TooManyLoginAttemptsException. The production app answers it with 429 and
Retry-After (endpoints/decorated.py, handle_too_many_login_attempts); the
test app that serve.py builds, as Quay's own registry tests build it, has
no handler for it and answers 500. This registers the production handler on
the test app, so that a client can honour Retry-After; nothing else changes.
"""

import importlib.util
import sys


def main():
    spec = importlib.util.spec_from_file_location("quayserve", sys.argv[1])
    serve = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(serve)
    build_app = serve.build_app

    def build_app_429(db_uri, args):
        app = build_app(db_uri, args)
        from flask import make_response

        from data import model

        @app.errorhandler(model.TooManyLoginAttemptsException)
        def handle_too_many_login_attempts(error):
            # endpoints/decorated.py, without crossorigin (no browser here).
            msg = "Too many login attempts. \nPlease reset your Quay password and try again."
            response = make_response(msg, 429)
            response.headers["Retry-After"] = int(error.retry_after)
            return response

        return app

    serve.build_app = build_app_429
    serve.main(sys.argv[2:])


if __name__ == "__main__":
    main()

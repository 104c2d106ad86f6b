"""Content-Security-Policy on every answer (Django 5.2 has none built in).

Scripts run only from this origin or, for the labeling page's one inline script, with the request's nonce
(`{{ request.csp_nonce }}` in a template): an injected <script> or event-handler attribute does not run. Styles may
be inline: the labeling page and the Swagger UI set style attributes, and a style cannot run code. Images may be
data: and blob: URLs (the canvas layers, the admin's plots); fetches go to this origin only.
"""
import secrets

from django.conf import settings

POLICY = (
    "default-src 'self'; script-src 'self' 'nonce-{nonce}'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data: blob:; font-src 'self' data:; connect-src 'self'; worker-src 'self' blob:; "
    "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)


class ContentSecurityPolicyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.csp_nonce = secrets.token_urlsafe(16)
        response = self.get_response(request)
        if settings.LCNET_CSP and "Content-Security-Policy" not in response:
            response["Content-Security-Policy"] = POLICY.format(nonce=request.csp_nonce)
        return response

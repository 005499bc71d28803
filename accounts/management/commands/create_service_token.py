from django.core.management.base import BaseCommand, CommandError

from accounts.models import ServiceToken
from accounts.service_tokens import service_token_create


class Command(BaseCommand):
    help = "Create a service token for a machine client. The secret is printed once, alone on the last line."

    def add_arguments(self, parser):
        parser.add_argument("name")
        parser.add_argument(
            "--scope",
            action="append",
            required=True,
            choices=ServiceToken.Scope.values,
            dest="scopes",
            help="gpt (ChatGPT action) or staff (staff bot); repeat for both.",
        )

    def handle(self, *args, name, scopes, **options):
        if not name.strip():
            raise CommandError("NAME must not be empty.")
        token, secret = service_token_create(name=name.strip(), scopes=scopes)
        self.stdout.write(f"Created service token #{token.pk} '{token.name}' with scopes {', '.join(token.scopes)}.")
        self.stdout.write("Store the secret now: it is not kept and cannot be shown again.")
        self.stdout.write(secret)

from django.core.validators import URLValidator

validate_web_url = URLValidator(
    schemes=["http", "https"], message="Enter a web address that starts with http:// or https://."
)

"""The reference model for the differential test: Sendcloud's v2 serializers written out in real
Django REST Framework (Debian's python3-djangorestframework: DRF 3.14 on Django 3.2), modelled on the
reference's `ShipmentBlobOrderCreate`, `IntegrationUpdate` and the delete body, with the contract's own
modelling decisions (int32 bounds, fixed-place decimals of at most 10 rendered characters, blank strings
where the reference sets no minimum, the relaxed required fields, `""` as null in the nullable choices).

Two parsers are overridden with Django 4.2's, the target where Debian's Django 3.2 differs:
`parse_datetime` (4.2 tries `datetime.fromisoformat` first) and `URLValidator` (4.2 takes any port of up
to five digits and only ASCII digits).

Protocol: one JSON object a line on stdin, `{"kind": "upsert"|"update"|"delete", "body": <raw JSON text
or null for no body>, "current": {...}}`; one JSON line a case on stdout with the answer.
"""

import datetime
import decimal
import json
import re
import sys
import uuid

import django
from django.conf import settings

settings.configure(USE_TZ=True, TIME_ZONE="UTC", USE_I18N=False, INSTALLED_APPS=[])
django.setup()

from django.core import validators as django_validators  # noqa: E402
from django.core.exceptions import ValidationError as DjangoValidationError  # noqa: E402
from django.utils.dateparse import datetime_re  # noqa: E402
from django.utils.regex_helper import _lazy_re_compile  # noqa: E402
from django.utils.timezone import get_fixed_timezone  # noqa: E402
from rest_framework import fields as drf_fields  # noqa: E402
from rest_framework import serializers  # noqa: E402
from rest_framework.exceptions import ErrorDetail  # noqa: E402
from rest_framework.utils import json as drf_json  # noqa: E402

# --- Django 4.2's parse_datetime ------------------------------------------------------------------

DATETIME_RE_42 = _lazy_re_compile(
    r"(?P<year>\d{4})-(?P<month>\d{1,2})-(?P<day>\d{1,2})"
    r"[T ](?P<hour>\d{1,2}):(?P<minute>\d{1,2})"
    r"(?::(?P<second>\d{1,2})(?:[\.,](?P<microsecond>\d{1,6})\d{0,6})?)?"
    r"\s*(?P<tzinfo>Z|[+-]\d{2}(?::?\d{2})?)?$"
)
assert datetime_re  # the 3.2 pattern is the same text; kept to show what is replaced


def parse_datetime_42(value):
    try:
        return datetime.datetime.fromisoformat(value)
    except ValueError:
        match = DATETIME_RE_42.match(value)
        if match:
            kw = match.groupdict()
            kw["microsecond"] = kw["microsecond"] and kw["microsecond"].ljust(6, "0")
            tzinfo = kw.pop("tzinfo")
            if tzinfo == "Z":
                tzinfo = datetime.timezone.utc
            elif tzinfo is not None:
                offset_mins = int(tzinfo[-2:]) if len(tzinfo) > 3 else 0
                offset = 60 * int(tzinfo[1:3]) + offset_mins
                if tzinfo[0] == "-":
                    offset = -offset
                tzinfo = get_fixed_timezone(offset)
            kw = {k: int(v) for k, v in kw.items() if v is not None}
            return datetime.datetime(**kw, tzinfo=tzinfo)


drf_fields.parse_datetime = parse_datetime_42

# --- Django 4.2's URLValidator ---------------------------------------------------------------------


class URLValidator42(django_validators.RegexValidator):
    ul = "\u00a1-\uffff"
    ipv4_re = (
        r"(?:0|25[0-5]|2[0-4][0-9]|1[0-9]?[0-9]?|[1-9][0-9]?)"
        r"(?:\.(?:0|25[0-5]|2[0-4][0-9]|1[0-9]?[0-9]?|[1-9][0-9]?)){3}"
    )
    ipv6_re = r"\[[0-9a-f:.]+\]"
    hostname_re = r"[a-z" + ul + r"0-9](?:[a-z" + ul + r"0-9-]{0,61}[a-z" + ul + r"0-9])?"
    domain_re = r"(?:\.(?!-)[a-z" + ul + r"0-9-]{1,63}(?<!-))*"
    tld_re = r"\.(?!-)(?:[a-z" + ul + "-]{2,63}|xn--[a-z0-9]{1,59})(?<!-)\.?"
    host_re = "(" + hostname_re + domain_re + tld_re + "|localhost)"
    regex = _lazy_re_compile(
        r"^(?:[a-z0-9.+-]*)://"
        r"(?:[^\s:@/]+(?::[^\s:@/]*)?@)?"
        r"(?:" + ipv4_re + "|" + ipv6_re + "|" + host_re + ")"
        r"(?::[0-9]{1,5})?"
        r"(?:[/?#][^\s]*)?"
        r"\Z",
        re.IGNORECASE,
    )
    message = "Enter a valid URL."
    schemes = ["http", "https", "ftp", "ftps"]
    unsafe_chars = frozenset("\t\r\n")
    max_length = 2048

    def __call__(self, value):
        from urllib.parse import urlsplit, urlunsplit

        from django.utils.encoding import punycode

        if not isinstance(value, str) or len(value) > self.max_length:
            raise DjangoValidationError(self.message, code=self.code)
        if self.unsafe_chars.intersection(value):
            raise DjangoValidationError(self.message, code=self.code)
        scheme = value.split("://")[0].lower()
        if scheme not in self.schemes:
            raise DjangoValidationError(self.message, code=self.code)
        try:
            splitted_url = urlsplit(value)
        except ValueError:
            raise DjangoValidationError(self.message, code=self.code)
        try:
            super().__call__(value)
        except DjangoValidationError as e:
            if value:
                scheme, netloc, path, query, fragment = splitted_url
                try:
                    netloc = punycode(netloc)
                except UnicodeError:
                    raise e
                url = urlunsplit((scheme, netloc, path, query, fragment))
                super().__call__(url)
            else:
                raise
        else:
            host_match = re.search(r"^\[(.+)\](?::[0-9]{1,5})?$", splitted_url.netloc)
            if host_match:
                try:
                    django_validators.validate_ipv6_address(host_match[1])
                except DjangoValidationError:
                    raise DjangoValidationError(self.message, code=self.code)
        if splitted_url.hostname is None or len(splitted_url.hostname) > 253:
            raise DjangoValidationError(self.message, code=self.code)


class URLField42(serializers.CharField):
    default_error_messages = {"invalid": "Enter a valid URL."}

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.validators.append(URLValidator42(message=self.error_messages["invalid"]))


# --- the contract's modelling decisions as fields --------------------------------------------------

INT32 = dict(min_value=-2147483648, max_value=2147483647)


class BlankAsNullChoice(serializers.ChoiceField):
    """`""` reads as null in the nullable choice fields (contract)."""

    def to_internal_value(self, data):
        if data == "":
            return None
        return super().to_internal_value(data)


class BlankAsNullChar(serializers.CharField):
    """`to_state`: nullable, `""` (after trimming) reads as null (contract)."""

    def run_validation(self, data=drf_fields.empty):
        if data is not drf_fields.empty and data is not None and not isinstance(data, bool):
            if isinstance(data, (str, int, float)) and str(data).strip() == "":
                return None
        return super().run_validation(data)


class MeasureField(serializers.DecimalField):
    """Weights and dimensions: three places, at most 10 rendered characters (contract, reference
    `maxLength: 10`); the render is judged before Python's 28-digit quantize could fail."""

    def __init__(self, **kwargs):
        super().__init__(max_digits=None, decimal_places=3, allow_null=True, required=False, **kwargs)

    def quantize(self, value):
        try:
            with decimal.localcontext() as context:
                context.prec = 100
                quantized = value.quantize(decimal.Decimal(".001"), rounding=self.rounding)
        except decimal.InvalidOperation:
            quantized = None
        if quantized is None or len("{:f}".format(quantized)) > 10:
            errors = []
            if self.min_value is not None and value < self.min_value:
                errors.append("Ensure this value is greater than or equal to %s." % self.min_value)
            errors.append("Ensure this field has no more than 10 characters.")
            raise serializers.ValidationError(errors)
        return quantized

    def to_representation(self, value):
        return "{:f}".format(value)


def money(**kwargs):
    return serializers.DecimalField(max_digits=28, decimal_places=2, **kwargs)


def text(**kwargs):
    """An optional non-nullable string: absent reads as `""` (contract's relaxed validation)."""
    return serializers.CharField(required=False, allow_blank=True, default="", **kwargs)


def nullable_text(**kwargs):
    return serializers.CharField(required=False, allow_blank=True, allow_null=True, **kwargs)


class AnyObject(serializers.Field):
    """`selected_functionalities`: an object or an array, kept as sent."""

    default_error_messages = {"not_a_dict": 'Expected a dictionary of items but got type "{input_type}".'}

    def to_internal_value(self, data):
        if isinstance(data, (dict, list)):
            return data
        self.fail("not_a_dict", input_type=type(data).__name__)

    def to_representation(self, value):
        return value


class JsonAbsentDefault:
    pass


COUNTRIES = None  # filled from the corpus's first line (the project's own list)


class Status(serializers.Serializer):
    id = serializers.CharField()
    message = serializers.CharField()


def build_order_serializer(countries):
    class ParcelItem(serializers.Serializer):
        # A null element of the nullable list is valid (many_init passes allow_null on); DRF's list
        # rendering would hand it to this serializer, so it renders as null here.
        def to_representation(self, instance):
            return None if instance is None else super().to_representation(instance)

        description = serializers.CharField()
        hs_code = text(max_length=12)
        origin_country = BlankAsNullChoice(choices=countries, allow_null=True, required=False)
        product_id = text()
        properties = serializers.DictField(child=nullable_text(), required=False)
        quantity = serializers.IntegerField(min_value=1, max_value=2147483647)
        sku = text()
        value = money()
        weight = MeasureField()
        mid_code = nullable_text()
        material_content = nullable_text()
        intended_use = nullable_text()

    class ShippingProduct(serializers.Serializer):
        code = serializers.CharField()
        name = serializers.CharField()
        selected_functionalities = AnyObject()

    class DeliveryMethodData(serializers.Serializer):
        delivery_date = serializers.DateTimeField()
        formatted_delivery_date = serializers.CharField()
        parcel_handover_date = serializers.DateTimeField()

    class CheckoutPayload(serializers.Serializer):
        sender_address_id = serializers.IntegerField(**INT32)
        shipping_product = ShippingProduct()
        delivery_method_type = serializers.ChoiceField(
            choices=["standard_delivery", "nominated_day_delivery", "same_day_delivery"]
        )
        delivery_method_data = DeliveryMethodData(required=False)

    class CostsObject(serializers.Serializer):
        value = money(allow_null=True, required=False)
        currency = nullable_text()

    class Cost(serializers.Field):
        """A customs cost: the schema's CostsObject or the examples' plain decimal string."""

        def __init__(self, **kwargs):
            super().__init__(required=False, allow_null=True, **kwargs)
            self.plain = money(allow_null=True, required=False)
            self.object = CostsObject()

        def validate_empty_values(self, data):
            if data is drf_fields.empty:
                return (True, None)
            if isinstance(data, dict):
                return (False, data)
            return self.plain.validate_empty_values(data)

        def to_internal_value(self, data):
            if isinstance(data, dict):
                return self.object.run_validation(data)
            return self.plain.run_validation(data)

        def to_representation(self, value):
            if isinstance(value, dict):
                return self.object.to_representation(value)
            return None if value is None else self.plain.to_representation(value)

    class TaxNumber(serializers.Serializer):
        name = nullable_text()
        country_code = nullable_text()
        value = nullable_text()

    class WrappedInner(serializers.Serializer):
        name = nullable_text()
        country = nullable_text()
        value = nullable_text()

    class WrappedTaxNumber(serializers.Serializer):
        tax_number = WrappedInner()

    class TaxNumberField(serializers.Field):
        def run_validation(self, data=drf_fields.empty):
            if data is None:
                raise serializers.ValidationError(["This field may not be null."])
            wrapped = isinstance(data, dict) and "tax_number" in data
            return (WrappedTaxNumber() if wrapped else TaxNumber()).run_validation(data)

        def to_representation(self, value):
            wrapped = "tax_number" in value
            return (WrappedTaxNumber() if wrapped else TaxNumber()).to_representation(value)

    class TaxNumbers(serializers.Serializer):
        sender = serializers.ListSerializer(child=TaxNumberField(), required=False)
        receiver = serializers.ListSerializer(child=TaxNumberField(), required=False)
        importer_of_records = serializers.ListSerializer(child=TaxNumberField(), required=False)

    class CustomsInformation(serializers.Serializer):
        discount_granted = Cost()
        insurance_costs = Cost()
        freight_costs = Cost()
        other_costs = Cost()
        tax_numbers = TaxNumbers(allow_null=True, required=False)

    def absent_null(field):
        field.default = None
        return field

    class Order(serializers.Serializer):
        address = serializers.CharField()
        address_2 = text()
        city = serializers.CharField()
        company_name = text()
        country = serializers.ChoiceField(choices=countries)
        created_at = serializers.DateTimeField()
        currency = absent_null(BlankAsNullChoice(choices=["EUR", "USD", "GBP"], allow_null=True, required=False))
        customs_invoice_nr = text()
        customs_shipment_type = absent_null(
            BlankAsNullChoice(choices=[0, 1, 2, 3, 4], allow_null=True, required=False)
        )
        email = serializers.EmailField(required=False, allow_blank=True, default="")
        external_order_id = serializers.CharField()
        external_shipment_id = serializers.CharField(allow_null=True, allow_blank=True)
        house_number = text()
        name = serializers.CharField()
        order_number = serializers.CharField()
        order_status = absent_null(Status(allow_null=True, required=False))
        parcel_items = absent_null(ParcelItem(many=True, allow_null=True, required=False))
        payment_status = absent_null(Status(allow_null=True, required=False))
        postal_code = serializers.CharField()
        shipping_method = absent_null(serializers.IntegerField(allow_null=True, required=False, **INT32))
        shipping_method_checkout_name = text(max_length=100)
        telephone = text()
        to_post_number = text()
        to_service_point = absent_null(serializers.IntegerField(allow_null=True, required=False, **INT32))
        to_state = absent_null(BlankAsNullChar(allow_null=True, required=False))
        total_order_value = absent_null(money(allow_null=True, required=False))
        updated_at = serializers.DateTimeField()
        weight = absent_null(MeasureField(min_value=decimal.Decimal("0.001")))
        checkout_payload = CheckoutPayload(required=False)
        width = absent_null(MeasureField())
        height = absent_null(MeasureField())
        length = absent_null(MeasureField())
        customs_details = absent_null(CustomsInformation(allow_null=True, required=False))

    return Order


# --- IntegrationUpdate --------------------------------------------------------------------------

CARRIERS_REQUIRED = "At least one carrier must be provided if the service point delivery is enabled."
SETTINGS_FIELDS = ("webhook_active", "webhook_url")


class IntegrationUpdate(serializers.Serializer):
    shop_name = serializers.CharField(max_length=250, required=False)
    shop_url = URLField42(max_length=200, allow_null=True, required=False)
    service_point_enabled = serializers.BooleanField(required=False)
    service_point_carriers = serializers.ListField(child=serializers.CharField(), required=False)
    webhook_active = serializers.BooleanField(required=False)
    webhook_url = URLField42(max_length=200, required=False)

    def validate(self, attrs):
        current = self.context["current"]
        errors = {}
        enabled = attrs.get("service_point_enabled", current["service_point_enabled"])
        carriers = attrs.get("service_point_carriers", current["service_point_carriers"])
        if enabled and len(carriers) == 0:
            errors["service_point_carriers"] = [CARRIERS_REQUIRED]
        active = attrs.get("webhook_active", current["webhook_active"])
        hook_url = attrs.get("webhook_url", current["webhook_url"])
        if active and not hook_url:
            errors["webhook_url"] = ["This field is required."]
        if errors:
            raise serializers.ValidationError(errors)
        return attrs


def flatten(detail):
    if isinstance(detail, dict):
        return [m for v in detail.values() for m in flatten(v)]
    if isinstance(detail, list):
        return [m for v in detail for m in flatten(v)]
    return [detail]


def settings_grouped(errors):
    """Sendcloud's documented rendering: webhook fields under `settings` as `field: message`."""
    settings_list = [f"{name}: {m}" for name in SETTINGS_FIELDS if name in errors for m in flatten(errors[name])]
    out = {}
    if settings_list:
        out["settings"] = settings_list
    for name, value in errors.items():
        if name not in SETTINGS_FIELDS:
            out[name] = value
    return out


# --- the delete body ------------------------------------------------------------------------------

MISSING = "Missing shipment_uuid or the pair external_order_id and external_shipment_id"


def delete_selector(data):
    if not isinstance(data, dict):
        return {"error": MISSING}
    shipment_uuid = data.get("shipment_uuid")
    if shipment_uuid is not None:
        try:
            return {"uuid": str(serializers.UUIDField().run_validation(shipment_uuid))}
        except serializers.ValidationError:
            return {"error": "Must be a valid UUID."}
    if "external_order_id" not in data or "external_shipment_id" not in data:
        return {"error": MISSING}
    try:
        order_id = serializers.CharField().run_validation(data["external_order_id"])
        shipment_id = serializers.CharField(allow_null=True, allow_blank=True).run_validation(
            data["external_shipment_id"]
        )
    except serializers.ValidationError:
        return {"error": MISSING}
    return {"external_order_id": order_id, "shipment_key": shipment_id or ""}


# --- plumbing ---------------------------------------------------------------------------------------


def plain(detail):
    """ErrorDetail trees as plain Python values, so that repr() is what the client reads."""
    if isinstance(detail, dict):
        return {k: plain(v) for k, v in detail.items()}
    if isinstance(detail, list):
        return [plain(v) for v in detail]
    if isinstance(detail, ErrorDetail):
        return str(detail)
    return detail


class NoData:
    pass


def read_body(raw):
    """DRF's JSONParser (strict constants); None when there is no body: DRF's request.data is then {}."""
    if raw is None:
        return {}
    return drf_json.loads(raw)


def serializer_errors(serializer):
    return plain(serializer.errors)


def run(case, Order):
    kind = case["kind"]
    try:
        data = read_body(case["body"])
    except ValueError as error:
        return {"parse_error": str(error)}
    if kind == "upsert":
        if data is None:
            return {"error": "No data provided"}
        if not isinstance(data, list):
            return {"error": f'Expected a list of items but got type "{type(data).__name__}".'}
        if len(data) > 100:
            return {"error": "Ensure this field has no more than 100 elements."}
        items = []
        for item in data:
            serializer = Order(data=item)
            if serializer.is_valid():
                items.append({"ok": True, "value": json.loads(json.dumps(serializer.data))})
            else:
                items.append({"ok": False, "error": repr(serializer_errors(serializer))})
        return {"items": items}
    if kind == "update":
        serializer = IntegrationUpdate(data=data, partial=True, context={"current": case["current"]})
        if serializer.is_valid():
            return {"ok": True, "value": json.loads(json.dumps(dict(serializer.validated_data)))}
        return {"ok": False, "error": repr(settings_grouped(serializer_errors(serializer)))}
    if kind == "delete":
        return delete_selector(data)
    raise ValueError(kind)


def main():
    Order = None
    for line in sys.stdin:
        case = json.loads(line)
        if "countries" in case:
            Order = build_order_serializer(case["countries"])
            print(json.dumps({"ready": True}), flush=True)
            continue
        try:
            answer = run(case, Order)
        except Exception as error:  # a crash of the model is an answer too: the test shows it
            answer = {"crash": f"{type(error).__name__}: {error}"}
        print(json.dumps(answer), flush=True)


if __name__ == "__main__":
    main()

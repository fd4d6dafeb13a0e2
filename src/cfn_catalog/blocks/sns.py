"""SNS topics for notifications: encrypted, optionally with an e-mail subscription."""

from __future__ import annotations

from troposphere import Equals, If, Not, Ref, Template
from troposphere.sns import Subscription, Topic

AWS_MANAGED_SNS_KEY = "alias/aws/sns"


def encrypted_topic(
    t: Template,
    name: str,
    *,
    display_name: str | None = None,
    kms_key: object = AWS_MANAGED_SNS_KEY,
    email_parameter: object = None,
) -> Topic:
    """A topic encrypted with `kms_key`; when `email_parameter` (a Parameter whose
    empty value means "none") is given, the address is subscribed if set.

    The AWS-managed key suits topics only AWS services in this account publish
    to; give a customer key when EventBridge or CloudWatch alarms publish.
    """
    props: dict = {"KmsMasterKeyId": kms_key}
    if display_name:
        props["DisplayName"] = display_name
    if email_parameter is not None:
        condition = f"{name}HasEmail"
        t.add_condition(condition, Not(Equals(Ref(email_parameter), "")))
        props["Subscription"] = If(
            condition, [Subscription(Protocol="email", Endpoint=Ref(email_parameter))], Ref("AWS::NoValue")
        )
    return t.add_resource(Topic(name, **props))

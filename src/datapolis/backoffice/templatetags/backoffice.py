from django import template

register = template.Library()


@register.filter
def get_item(mapping, key):
    """`mapping|get_item:key` (dict lookup with a variable key)."""
    return (mapping or {}).get(key)


@register.filter
def type_label(name: str) -> str:
    """A field type in words, in the agent's language ("int" -> "whole number")."""
    from datapolis.catalog.field_types import TYPE_LABELS

    return str(TYPE_LABELS.get(name, name))


@register.filter
def action_label(action: str) -> str:
    """The readable name of an audit action."""
    from datapolis.audit.events import Action

    try:
        return Action(action).label
    except ValueError:
        return action


@register.simple_tag(takes_context=True)
def may_see_personal_data_register(context) -> bool:
    """`{% may_see_personal_data_register as shown %}`: whether the signed-in user reads the register."""
    from datapolis.access.policy import may_see_personal_data_register as rule
    from datapolis.access.policy import session_principal

    request = context.get("request")
    if request is None or not getattr(request, "user", None) or not request.user.is_authenticated:
        return False
    return rule(session_principal(request))


@register.simple_tag(takes_context=True)
def may_manage_harvests(context) -> bool:
    """`{% may_manage_harvests as shown %}`: whether the signed-in user manages harvesting (the policy's rule)."""
    from datapolis.access.policy import may_manage_harvests as rule
    from datapolis.access.policy import session_principal

    request = context.get("request")
    if request is None or not getattr(request, "user", None) or not request.user.is_authenticated:
        return False
    return rule(session_principal(request))


@register.filter
def every_label(every) -> str:
    """A harvest schedule in words: "By hand", "Every day", "Every 6 hours"..."""
    from datapolis.backoffice.forms import every_label as label

    return label(every)

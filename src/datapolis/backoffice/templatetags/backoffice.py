from django import template

register = template.Library()


@register.filter
def get_item(mapping, key):
    """`mapping|get_item:key` (dict lookup with a variable key)."""
    return (mapping or {}).get(key)


@register.filter
def action_label(action: str) -> str:
    """The readable name of an audit action."""
    from datapolis.backoffice.services import Action

    try:
        return Action(action).label
    except ValueError:
        return action

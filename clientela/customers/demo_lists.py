"""Word lists for the demo data: Spanish and English names, places, companies, titles and notes.

Place patterns: '#' any digit, '%' a digit 1-9, '@' a postcode letter, '|' separates alternatives. Phone
patterns are national numbers; `Country.mobile` may embed the city's landline pattern as '{}'.
"""

import unicodedata
from dataclasses import dataclass

from .models import Industry


def _items(text: str) -> list[str]:
    return [item.strip() for item in text.split("|")]


@dataclass(frozen=True)
class Country:
    code: str
    language: str
    dial: int
    weight: int
    mobile: str
    tld: str
    dotcom: float  # share of companies on .com instead of the national domain
    suffixes: tuple[str, ...]
    streets: list[str]
    cities: tuple[tuple[str, str, str, str], ...]  # (city, region, postal code, landline)


COUNTRIES = (
    Country("ES", "es", 34, 45, "6########|7%#######", ".es", .25, ("S.L.", "S.L.", "S.L.", "S.A."), _items(
        "Calle Mayor|Gran Vía|Avenida de la Constitución|Calle Real|Plaza de España|Calle de San Francisco|"
        "Avenida de la Libertad|Calle del Carmen|Paseo de la Estación|Calle Nueva|Calle de la Iglesia"), (
        ("Madrid", "Madrid", "28%##", "91#######"), ("Barcelona", "Barcelona", "08%##", "93#######"),
        ("Valencia", "Valencia", "46%##", "96#######"), ("Sevilla", "Sevilla", "41%##", "954######"),
        ("Bilbao", "Bizkaia", "48%##", "944######"), ("Zaragoza", "Zaragoza", "50%##", "976######"),
        ("Málaga", "Málaga", "29%##", "952######"), ("A Coruña", "A Coruña", "15%##", "981######"),
        ("Palma", "Illes Balears", "07%##", "971######"), ("Valladolid", "Valladolid", "47%##", "983######"),
    )),
    Country("GB", "en", 44, 15, "74########|75########|77########|78########|79########", ".co.uk", .2,
            ("Ltd", "Ltd", "Ltd", "Ltd", "plc"), _items(
                "High Street|Station Road|Church Lane|Victoria Road|King Street|Mill Lane|Queen Street|"
                "Market Street|Park Road|London Road"), (
        ("London", "England", "EC1A #@@|SW1A #@@|W1D #@@|N1 #@@|SE1 #@@|E14 #@@", "207#######|203#######"),
        ("Manchester", "England", "M1 #@@|M2 #@@|M4 #@@", "161#######"),
        ("Birmingham", "England", "B1 #@@|B2 #@@|B3 #@@", "121#######"),
        ("Leeds", "England", "LS1 #@@|LS2 #@@", "113#######"),
        ("Bristol", "England", "BS1 #@@|BS8 #@@", "117#######"),
        ("Edinburgh", "Scotland", "EH1 #@@|EH2 #@@|EH3 #@@", "131#######"),
    )),
    Country("US", "en", 1, 15, "{}", ".com", 1.0, ("Inc.", "Inc.", "LLC"), _items(
        "Main Street|Park Avenue|Oak Street|Maple Avenue|Market Street|Broadway|Elm Street|Washington Avenue|"
        "Lake Street"), (
        ("New York", "New York", "100##", "212%######|646%######"),
        ("San Francisco", "California", "941##", "415%######"),
        ("Chicago", "Illinois", "606##", "312%######"),
        ("Boston", "Massachusetts", "021##", "617%######"), ("Austin", "Texas", "787##", "512%######"),
        ("Seattle", "Washington", "981##", "206%######"), ("Miami", "Florida", "331##", "305%######"),
    )),
    Country("MX", "es", 52, 15, "{}", ".com.mx", .3, ("S.A. de C.V.",), _items(
        "Avenida Juárez|Calle Hidalgo|Calle Morelos|Avenida Revolución|Calle 5 de Mayo|Avenida Independencia|"
        "Calle Allende|Avenida Constitución"), (
        ("Ciudad de México", "Ciudad de México", "06###|03###|11###", "55########"),
        ("Guadalajara", "Jalisco", "44###", "33########"), ("Monterrey", "Nuevo León", "64###", "81########"),
        ("Puebla", "Puebla", "72###", "222#######"),
    )),
    Country("AR", "es", 54, 10, "9{}", ".com.ar", .3, ("S.A.", "S.R.L."), _items(
        "Avenida San Martín|Calle Belgrano|Calle Sarmiento|Avenida Rivadavia|Calle Mitre|"
        "Avenida del Libertador|Calle 9 de Julio|Calle Urquiza"), (
        ("Buenos Aires", "Ciudad Autónoma de Buenos Aires", "C1###@@@", "11%#######"),
        ("Córdoba", "Córdoba", "X5000@@@", "351%######"), ("Rosario", "Santa Fe", "S2000@@@", "341%######"),
        ("Mendoza", "Mendoza", "M5500@@@", "261%######"),
    )),
)

FIRST_NAMES = {
    ("es", "f"): (
        "Lucía María Carmen Ana Laura Marta Paula Sofía Elena Cristina Isabel Pilar Nuria Raquel "
        "Beatriz Irene Alba Julia Rocío Inés Ainhoa Begoña Montserrat Guadalupe Valentina Camila "
        "Ximena Florencia Milagros Lorena Noelia Mercedes Ángela Aitana Maite").split(),
    ("es", "m"): (
        "José Antonio Manuel Francisco David Javier Daniel Carlos Miguel Alejandro Pablo Sergio "
        "Jorge Alberto Álvaro Raúl Iñaki Jesús Andrés Ramón Joaquín Óscar Íñigo Santiago Mateo "
        "Diego Agustín Facundo Emiliano Rubén Adrián Hugo Marcos Gonzalo Fermín").split(),
    ("en", "f"): (
        "Emma Olivia Amelia Isla Ava Emily Sophie Grace Charlotte Lily Hannah Jessica Sarah Rachel "
        "Megan Chloe Lucy Ella Rebecca Abigail Zoe Harriet Madison Brooke Eleanor Fiona Niamh "
        "Siobhan Priya").split(),
    ("en", "m"): (
        "Oliver James Harry George Jack William Thomas Noah Charlie Henry Michael David Daniel "
        "Matthew Ryan Ethan Benjamin Samuel Joseph Andrew Liam Connor Callum Rhys Tyler Brandon "
        "Jacob Arjun Dylan Owen").split(),
}

LAST_NAMES = {
    "es": (
        "García Martínez López Sánchez González Rodríguez Fernández Pérez Gómez Martín Jiménez "
        "Ruiz Hernández Díaz Moreno Muñoz Álvarez Romero Alonso Gutiérrez Navarro Torres Domínguez "
        "Vázquez Ramos Gil Ramírez Serrano Blanco Molina Morales Suárez Ortega Delgado Castro "
        "Ortiz Rubio Marín Sanz Núñez Iglesias Medina Garrido Cortés Castillo Santos Lozano "
        "Guerrero Cano Prieto Méndez Cruz Calvo Gallego Vidal León Márquez Herrera Peña Flores "
        "Cabrera Campos Vega Fuentes Carrasco Caballero Reyes Nieto Aguilar Pascual Herrero "
        "Montero Lorenzo Hidalgo Ibáñez Ferrer Durán Benítez Mora Vargas Arias Carmona Crespo "
        "Román Pastor Soto Sáez Velasco Soler Parra Esteban Bravo Gallardo Rojas Echeverría "
        "Olaizola Castells Puig Etxeberria Quiroga Zapata Villanueva").split(),
    "en": (
        "Smith Jones Taylor Brown Williams Wilson Johnson Davies Robinson Wright Thompson Evans "
        "Walker White Roberts Green Hall Wood Jackson Clarke Patel Khan Lewis Harris Cooper King "
        "Lee Baker Hughes Edwards Turner Hill Moore Clark Murphy O'Brien O'Connor Campbell Stewart "
        "Anderson Mitchell Carter Phillips Parker Collins Bennett Miller Davis Young Allen Scott "
        "Adams Nelson Whitaker Fletcher Holmes Palmer Shaw Gray Ward Morgan Cook Bell Price Reed "
        "Brooks Hayes Sullivan Foster MacLeod Kowalski").split(),
}

WORDS = {
    "es": (
        "Levante Mediterráneo Cantábrico Atlántico Meseta Olivo Encina Faro Brisa Aurora Nexo "
        "Vértice Ágora Cumbre Horizonte Marina Solana Altamira Alameda Ribera Cierzo Tramontana "
        "Almendro Lince Azahar Alborada Duero Pirineo Moncayo Albufera Andina Pampa Jacaranda "
        "Quetzal Ceiba Nogal").split(),
    "en": (
        "Bluebell Harbour Oakridge Riverside Summit Kestrel Meridian Brightwater Ironbridge "
        "Greenfield Silverline Redwood Lakeside Hawthorn Beacon Granite Willow Falcon Evergreen "
        "Thistle Pinecrest Copperfield Westbrook Kingsway Highland Orchard Foxglove Larkspur "
        "Sterling Heron Bramble Northgate Ashford Cobalt Juniper").split(),
}

IN = Industry
SECTORS = {
    "es": [
        ("Construcciones", IN.CONSTRUCTION), ("Logística", IN.LOGISTICS), ("Transportes", IN.LOGISTICS),
        ("Energía", IN.ENERGY), ("Renovables", IN.ENERGY), ("Consultores", IN.PROFESSIONAL),
        ("Asesoría", IN.PROFESSIONAL), ("Alimentación", IN.FOOD), ("Bodegas", IN.FOOD),
        ("Soluciones Digitales", IN.TECHNOLOGY), ("Sistemas", IN.TECHNOLOGY),
        ("Inmobiliaria", IN.REAL_ESTATE), ("Hoteles", IN.HOSPITALITY), ("Viajes", IN.HOSPITALITY),
        ("Clínica", IN.HEALTH), ("Laboratorios", IN.HEALTH), ("Academia", IN.EDUCATION),
        ("Distribuciones", IN.RETAIL), ("Comercial", IN.RETAIL), ("Agrícola", IN.AGRICULTURE),
        ("Finanzas", IN.FINANCE), ("Seguros", IN.FINANCE),
        ("Comunicación", IN.MEDIA), ("Ediciones", IN.MEDIA), ("Industrias", IN.MANUFACTURING),
        ("Talleres", IN.MANUFACTURING), ("Metalúrgica", IN.MANUFACTURING),
    ],
    "en": [
        ("Builders", IN.CONSTRUCTION), ("Construction", IN.CONSTRUCTION), ("Logistics", IN.LOGISTICS),
        ("Freight", IN.LOGISTICS), ("Energy", IN.ENERGY), ("Solar", IN.ENERGY),
        ("Consulting", IN.PROFESSIONAL),
        ("Advisory", IN.PROFESSIONAL), ("Foods", IN.FOOD), ("Brewing", IN.FOOD), ("Software", IN.TECHNOLOGY),
        ("Labs", IN.TECHNOLOGY), ("Digital", IN.TECHNOLOGY), ("Properties", IN.REAL_ESTATE),
        ("Estates", IN.REAL_ESTATE), ("Hotels", IN.HOSPITALITY), ("Travel", IN.HOSPITALITY),
        ("Health", IN.HEALTH),
        ("Dental", IN.HEALTH), ("Learning", IN.EDUCATION), ("Academy", IN.EDUCATION), ("Retail", IN.RETAIL),
        ("Supplies", IN.RETAIL), ("Farms", IN.AGRICULTURE), ("Capital", IN.FINANCE),
        ("Insurance", IN.FINANCE),
        ("Media", IN.MEDIA), ("Publishing", IN.MEDIA), ("Manufacturing", IN.MANUFACTURING),
        ("Engineering", IN.MANUFACTURING),
    ],
}
del IN


def _gendered(text: str) -> dict[str, list[str]]:
    """'Director/Directora|Gerente' -> {'m': ['Director', 'Gerente'], 'f': ['Directora', 'Gerente']}."""
    pairs = [item.partition("/") for item in _items(text)]
    return {"m": [m for m, _, f in pairs], "f": [f or m for m, _, f in pairs]}


TITLES = {
    "es": _gendered(
        "Director General/Directora General|Director Comercial/Directora Comercial|"
        "Director Financiero/Directora Financiera|Jefe de Compras/Jefa de Compras|"
        "Jefe de Ventas/Jefa de Ventas|"
        "Responsable de Marketing|Responsable de RR. HH.|Gerente|Administrativo/Administrativa|"
        "Técnico de Sistemas/Técnica de Sistemas|Ingeniero de Proyectos/Ingeniera de Proyectos|"
        "Coordinador de Logística/Coordinadora de Logística|Consejero Delegado/Consejera Delegada|"
        "Socio Fundador/Socia Fundadora|Abogado/Abogada|Analista de Datos|Jefe de Obra/Jefa de Obra|"
        "Responsable de Atención al Cliente"),
    "en": _gendered(
        "CEO|Sales Director|Head of Procurement|Finance Manager|Office Manager|Marketing Lead|IT Manager|"
        "Operations Director|Account Manager|Founder|Managing Partner|Project Engineer|HR Business Partner|"
        "Customer Success Manager|Data Analyst|Chief Operating Officer|Purchasing Manager"),
}

TAGS = _items("VIP|Newsletter|Feria 2026|Cliente clave|Key account|Webinar|Early adopter|Renovación Q3|"
              "Black Friday|Partner")

GENERIC_MAILBOXES = {"es": ["info", "hola", "contacto", "administracion", "ventas"],
                     "en": ["info", "hello", "sales", "office", "enquiries"]}
PERSONAL_DOMAINS = ["example.com", "example.org", "example.net"]

NOTES = {
    "es": [
        "<p>Llamada con {name}: le interesa el <strong>plan anual</strong>. "
        "Enviar propuesta antes del viernes.</p>",
        "<p>Reunión con {name}. Próximos pasos:</p><ul><li>Demo para el equipo de compras</li>"
        "<li>Revisar condiciones de pago</li></ul>",
        "<p>{name} pide que le llamemos <em>después de las 16:00</em>.</p>",
        "<p>Visita de {name} en la Feria 2026: buen contacto, seguimiento en marzo.</p>",
        "<p>Renovación firmada con {name}. Enviar la factura a administración.</p>",
        "<p>Presupuesto enviado a {name}; pendiente de aprobación por dirección.</p>",
    ],
    "en": [
        "<p>Call with {name}: interested in the <strong>annual plan</strong>. "
        "Send a proposal before Friday.</p>",
        "<p>Meeting with {name}. Next steps:</p><ul><li>Demo for the purchasing team</li>"
        "<li>Review payment terms</li></ul>",
        "<p>{name} asked us to call back <em>after 4 pm</em>.</p>",
        "<p>Met {name} at the trade fair: good lead, follow up in March.</p>",
        "<p>Renewal signed with {name}. Send the invoice to accounts.</p>",
        "<p>Quote sent to {name}; waiting for sign-off from management.</p>",
    ],
}

SHORT_DESCRIPTIONS = {
    "es": ["Cliente desde 2019; quiere ampliar licencias.", "Llegó a través de la web y pidió una demo.",
        "Prefiere el correo electrónico a las llamadas.", "Presencia en toda la península.",
        "Contacto recomendado por un cliente de Valencia."],
    "en": ["Customer since 2019; looking to add licences.",
           "Came in through the website and asked for a demo.",
        "Prefers email over phone calls.", "Covers the whole of the UK.",
        "Referred by an existing customer in Manchester."],
}


# -- tax identifiers with their real check digits -----------------------------------------------------
def _spanish_cif(rng, name: str) -> str:
    digits = f"{rng.choice((28, 8, 46, 41, 48, 50, 29, 15, 7, 47)):02d}{rng.randrange(100_000):05d}"
    odd = sum(sum(divmod(2 * int(d), 10)) for d in digits[0::2])
    control = (10 - (odd + sum(int(d) for d in digits[1::2])) % 10) % 10
    return f"{'A' if name.endswith('S.A.') else 'B'}{digits}{control}"


def _uk_vat(rng, name: str) -> str:
    digits = f"{rng.randrange(1_000_000, 10_000_000)}"
    total = sum(int(d) * weight for d, weight in zip(digits, range(8, 1, -1), strict=True))
    return f"GB{digits}{-total % 97:02d}"


def _us_ein(rng, name: str) -> str:
    return f"{rng.randint(20, 27)}-{rng.randrange(1_000_000, 10_000_000)}"


def _mexican_rfc(rng, name: str) -> str:
    folded = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().upper()
    initials = "".join(word[0] for word in folded.split() if word[0].isalpha())[:3].ljust(3, "X")
    alphanumeric = "ABCDEFGHJKLMNPRSTUVWXYZ0123456789"
    return (f"{initials}{rng.randint(0, 23):02d}{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}"
            + "".join(rng.choice(alphanumeric) for _ in range(3)))


def _argentine_cuit(rng, name: str) -> str:
    while True:
        digits = f"30{rng.randrange(10_000_000, 100_000_000)}"
        check = 11 - sum(int(d) * w for d, w in zip(digits, (5, 4, 3, 2, 7, 6, 5, 4, 3, 2), strict=True)) % 11
        if check != 10:
            return f"{digits[:2]}-{digits[2:]}-{check % 11}"


TAX_IDS = {"ES": _spanish_cif, "GB": _uk_vat, "US": _us_ein, "MX": _mexican_rfc, "AR": _argentine_cuit}


def tax_id(rng, country: str, name: str) -> str:
    return TAX_IDS[country](rng, name)

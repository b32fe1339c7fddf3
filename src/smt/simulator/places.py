"""Static geography and equipment of the simulated market: real cities of each TDSP's territory,
their ZIP codes and ERCOT weather zones, the zones' climate, street names and meter models."""

from __future__ import annotations

from dataclasses import dataclass

# ERCOT weather zones, in the order of the WEATHER_ZONE codes of the premise layout.
ZONES: tuple[str, ...] = ("COAST", "EAST", "FWEST", "NCENT", "NORTH", "SCENT", "SOUTH", "WEST")
ZONE_INDEX = {zone: i for i, zone in enumerate(ZONES)}


@dataclass(frozen=True, slots=True)
class City:
    name: str
    zone: str
    weight: float  # relative number of meters in the TDSP
    zips: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Climate:
    """Normal temperatures (degrees F) and position of a weather zone's reference station."""

    annual_mean: float
    seasonal_amplitude: float  # July normal minus annual mean
    diurnal_half_range: float  # afternoon high minus daily mean
    latitude: float
    longitude: float


CLIMATES: dict[str, Climate] = {
    "COAST": Climate(70.5, 14.0, 8.0, 29.8, -95.4),  # Houston
    "EAST": Climate(66.0, 17.0, 10.0, 32.35, -95.3),  # Tyler
    "FWEST": Climate(64.5, 19.0, 13.0, 31.95, -102.1),  # Midland
    "NCENT": Climate(66.5, 19.0, 10.0, 32.8, -97.0),  # Dallas-Fort Worth
    "NORTH": Climate(64.0, 21.0, 11.0, 33.9, -98.5),  # Wichita Falls
    "SCENT": Climate(69.0, 16.0, 10.0, 30.3, -97.7),  # Austin
    "SOUTH": Climate(73.5, 13.0, 9.0, 27.0, -97.9),  # Corpus Christi - Rio Grande Valley
    "WEST": Climate(64.5, 19.0, 12.0, 32.45, -99.7),  # Abilene
}

CITIES: dict[str, tuple[City, ...]] = {
    "ONCOR": (
        City(
            "Dallas",
            "NCENT",
            25,
            (
                "75204",
                "75206",
                "75214",
                "75218",
                "75220",
                "75228",
                "75230",
                "75238",
                "75243",
                "75249",
            ),
        ),
        City(
            "Fort Worth",
            "NCENT",
            18,
            ("76104", "76107", "76109", "76116", "76123", "76132", "76133", "76137"),
        ),
        City("Arlington", "NCENT", 8, ("76010", "76012", "76013", "76016", "76017")),
        City("Plano", "NCENT", 6, ("75023", "75024", "75025", "75074", "75093")),
        City("Irving", "NCENT", 5, ("75038", "75060", "75061", "75062", "75063")),
        City("Waco", "NCENT", 4, ("76705", "76706", "76708", "76710", "76712")),
        City("Killeen", "NCENT", 3, ("76541", "76542", "76543", "76549")),
        City("Round Rock", "SCENT", 3, ("78664", "78665", "78681")),
        City("Tyler", "EAST", 4, ("75701", "75703", "75707", "75709")),
        City("Longview", "EAST", 2, ("75601", "75604", "75605")),
        City("Midland", "FWEST", 4, ("79701", "79703", "79705", "79707")),
        City("Odessa", "FWEST", 3, ("79761", "79762", "79763", "79765")),
        City("Wichita Falls", "NORTH", 3, ("76301", "76302", "76308", "76309")),
    ),
    "CNP": (
        City(
            "Houston",
            "COAST",
            60,
            (
                "77004",
                "77006",
                "77007",
                "77008",
                "77019",
                "77024",
                "77025",
                "77035",
                "77042",
                "77057",
                "77063",
                "77072",
                "77084",
                "77095",
            ),
        ),
        City("Katy", "COAST", 10, ("77449", "77450", "77494")),
        City("Pasadena", "COAST", 8, ("77502", "77503", "77504", "77505")),
        City("Baytown", "COAST", 6, ("77520", "77521")),
        City("Sugar Land", "COAST", 8, ("77478", "77479", "77498")),
        City("Spring", "COAST", 8, ("77373", "77379", "77388", "77389")),
        City("Humble", "COAST", 5, ("77338", "77346")),
    ),
    "AEPC": (
        City("Corpus Christi", "SOUTH", 30, ("78404", "78411", "78412", "78413", "78414", "78418")),
        City("McAllen", "SOUTH", 15, ("78501", "78503", "78504")),
        City("Harlingen", "SOUTH", 10, ("78550", "78552")),
        City("Laredo", "SOUTH", 20, ("78041", "78043", "78045", "78046")),
        City("Brownsville", "SOUTH", 12, ("78520", "78521", "78526")),
        City("Victoria", "COAST", 8, ("77901", "77904")),
    ),
    "AEPN": (
        City("Abilene", "WEST", 45, ("79601", "79602", "79603", "79605", "79606")),
        City("San Angelo", "WEST", 35, ("76901", "76903", "76904")),
        City("Vernon", "NORTH", 8, ("76384",)),
        City("Childress", "NORTH", 6, ("79201",)),
        City("Alpine", "FWEST", 6, ("79830",)),
    ),
    "TNMP": (
        City("Lewisville", "NCENT", 30, ("75057", "75067", "75077")),
        City("League City", "COAST", 20, ("77573",)),
        City("Friendswood", "COAST", 15, ("77546",)),
        City("Texas City", "COAST", 12, ("77590", "77591")),
        City("Alvin", "COAST", 10, ("77511",)),
        City("Dickinson", "COAST", 6, ("77539",)),
        City("Pecos", "FWEST", 7, ("79772",)),
    ),
}

STREETS: tuple[str, ...] = (
    "Main St",
    "Elm St",
    "Oak Ln",
    "Pecan Dr",
    "Live Oak St",
    "Bluebonnet Dr",
    "Mesquite Trl",
    "Magnolia Ave",
    "Cedar Ridge Dr",
    "Lone Star Pkwy",
    "Ranch Rd",
    "Cypress Creek Dr",
    "Post Oak Blvd",
    "Willow Bend Dr",
    "Sunset Blvd",
    "Lakeview Dr",
    "Pinehurst Ln",
    "Prairie View Rd",
    "Red Oak Dr",
    "Highland Ave",
    "Meadowbrook Dr",
    "Spring Valley Rd",
    "Hackberry Ln",
    "Cottonwood Dr",
    "Sam Rayburn Dr",
    "Chisholm Trl",
    "Alamo St",
    "Travis St",
    "Austin Ave",
    "Bowie St",
    "Crockett St",
    "Houston St",
    "Lamar Blvd",
    "Mockingbird Ln",
    "Armadillo Dr",
    "Wildflower Ln",
    "Bayou Bend",
    "Gulf Fwy Frontage Rd",
    "Sycamore St",
    "Hickory Hollow Ln",
)

BUSINESS_STREETS: tuple[str, ...] = (
    "Commerce St",
    "Industrial Blvd",
    "Market Center Dr",
    "Business Park Dr",
    "Central Expy",
    "Interstate Hwy 35",
    "Loop 410 Frontage Rd",
    "State Hwy 6",
    "Farm to Market Rd 1960",
    "Technology Dr",
)


@dataclass(frozen=True, slots=True)
class MeterModel:
    manufacturer: str
    model: str
    suffix: str  # ends the meter number, as TDSP meter numbers often do
    commercial: bool


METER_MODELS: tuple[MeterModel, ...] = (
    MeterModel("Landis+Gyr", "Focus AXR-SD", "LG", commercial=False),
    MeterModel("Landis+Gyr", "E350 Focus AX", "LG", commercial=False),
    MeterModel("Itron", "OpenWay Centron", "IT", commercial=False),
    MeterModel("Itron", "Riva CENTRON", "IT", commercial=False),
    MeterModel("Aclara", "I-210+c", "AC", commercial=False),
    MeterModel("Sensus", "iConA", "SN", commercial=False),
    MeterModel("Honeywell Elster", "REX2", "EL", commercial=False),
    MeterModel("Landis+Gyr", "S4x E650", "LG", commercial=True),
    MeterModel("Itron", "OpenWay CENTRON Polyphase", "IT", commercial=True),
    MeterModel("Honeywell Elster", "A3 ALPHA", "EL", commercial=True),
)

# Which residential meters each TDSP deployed (weights over METER_MODELS, residential ones).
RESIDENTIAL_MODEL_WEIGHTS: dict[str, tuple[float, ...]] = {
    "ONCOR": (0.55, 0.30, 0.05, 0.0, 0.05, 0.0, 0.05),
    "CNP": (0.10, 0.05, 0.55, 0.25, 0.0, 0.0, 0.05),
    "AEPC": (0.35, 0.20, 0.20, 0.10, 0.05, 0.05, 0.05),
    "AEPN": (0.35, 0.20, 0.20, 0.10, 0.05, 0.05, 0.05),
    "TNMP": (0.20, 0.10, 0.10, 0.0, 0.20, 0.35, 0.05),
}
